import { beforeAll, describe, expect, it } from 'vitest'
import { describe as describeVerdict, judge } from '../src/compare.js'
import type { Pair } from '../src/differences.js'
import { AWAITED, expectedFor, MODE_OPTIONS, PENDING } from '../src/expectations.js'
import { buildMatrix } from '../src/requests.js'
import { MODES, type Mode, runSession, type SessionResults } from '../src/session.js'
import { viewOf } from '../src/view.js'

// The original (shared/oracle/ref_app.py on the vendored Flask Batteries Included) and the same
// service on fbi, in default mode and with compat: 'flask', asked the same requests. A machine
// without python3 or the oracle folder fails every test below with the reason: never a skip.

let session: SessionResults | undefined
let setupFailure: unknown

beforeAll(async () => {
  // A throwing beforeAll would only mark the tests skipped: keep the reason and fail each test with it.
  try {
    session = await runSession(MODE_OPTIONS)
  } catch (error) {
    setupFailure = error
  }
}, 120_000)

function ran(): SessionResults {
  if (session === undefined) throw setupFailure
  return session
}

function pairOf(results: SessionResults, id: string, mode: Mode): Pair {
  const request = results.requests.find((candidate) => candidate.id === id)
  const original = results.original.get(id)
  const fbi = results.fbi[mode].get(id)
  if (request === undefined || original === undefined || fbi === undefined) {
    throw new TypeError(`no exchange recorded for ${id} in ${mode} mode`)
  }
  return {
    request,
    sent: fbi.sent.headers,
    original: { answer: original.answer, view: viewOf(request, original.answer, original.sent.headers) },
    fbi: { answer: fbi.answer, view: viewOf(request, fbi.answer, fbi.sent.headers) },
  }
}

it('starts the original and both fbi apps on their own databases, asks them, and stops them', () => {
  const results = ran()
  expect(results.original.size).toBe(results.requests.length)
  for (const mode of MODES) expect(results.fbi[mode].size).toBe(results.requests.length)
})

// The row names are known before anything starts: the matrix is rebuilt here for its ids only.
const ids = buildMatrix().map((request) => request.id)

describe.each(MODES)('%s mode', (mode) => {
  it.each(ids)('%s', (id) => {
    const pair = pairOf(ran(), id, mode)
    const verdict = judge(pair, expectedFor(id, mode), mode)
    const account = describeVerdict(pair, verdict)
    const pending = PENDING[id]?.[mode]
    if (pending === undefined) {
      expect(
        verdict.problems,
        `${id} (${mode}) differs from the original beyond its expected differences:\n${account}`,
      ).toEqual([])
      return
    }
    const awaited = (PENDING[id]?.awaits ?? []).map((key) => AWAITED[key]).join('; ')
    expect(
      verdict.problems,
      `${id} (${mode}) is PENDING on "${awaited}" but no longer shows the problems recorded for it. ` +
        `If that work landed, delete its PENDING entry (or update it) in conformance/src/expectations.ts:\n${account}`,
    ).toEqual(pending)
  })
})
