import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { EntityNotFound } from '@fbi/errors'
import { scopesPresent } from '@fbi/security'
import Fastify, { type InjectOptions } from 'fastify'
import { describe, expect, it, type TestContext } from 'vitest'
import fbi, { fbiServerOptions } from '../src/index.js'
import { ENV, token } from './helpers.js'

interface Line {
  level: number
  msg: string
  reqId?: string
  refusal?: { reason: string; code?: string }
  deprecated?: unknown
  httpRequest?: { status: number }
}

async function service(ctx: TestContext, level = 'info') {
  const file = join(mkdtempSync(join(tmpdir(), 'fbi-one-line-')), 'app.log')
  const app = Fastify(fbiServerOptions({ logger: { level, file } }))
  ctx.onTestFinished(() => app.close())
  await app.register(fbi, { env: ENV, monitoring: { gracefulShutdown: false, processMetrics: false } })
  const protect = scopesPresent('read:patient')
  app.get('/patient/:id', { config: { protect } }, async () => ({ ok: true }))
  app.get('/missing/:id', { config: { protect } }, async () => {
    throw new EntityNotFound('No such patient')
  })
  app.post(
    '/patient',
    {
      config: { protect },
      schema: { body: { type: 'object', required: ['name'], properties: { name: { type: 'string' } } } },
    },
    async () => ({ ok: true }),
  )
  app.get(
    '/v1/patient/:id',
    { config: { protect, deprecated: { since: new Date('2025-01-31') } } },
    async () => ({
      old: true,
    }),
  )
  await app.ready()
  /** Sends the request and returns the lines it wrote (the file is read once the app has closed). */
  const lines = async (requests: InjectOptions[]): Promise<Line[][]> => {
    const ids: string[] = []
    for (const request of requests) ids.push(String((await app.inject(request)).headers['x-request-id']))
    await app.close()
    const all = readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Line)
    return ids.map((id) => all.filter((line) => line.reqId === id))
  }
  return { lines }
}

const reader = { authorization: `Bearer ${token(['read:patient'])}` }

/** One of each answer: 200, 401 without and with a bad token, 403, 400, 404s, 405, an empty parameter, a deprecated route. */
const REQUESTS: InjectOptions[] = [
  { url: '/patient/1', headers: reader },
  { url: '/patient/1' },
  { url: '/patient/1', headers: { authorization: 'Bearer not.a.token' } },
  { url: '/patient/1', headers: { authorization: `Bearer ${token(['read:other'])}` } },
  { method: 'POST', url: '/patient', headers: reader, payload: { nope: 1 } },
  { url: '/missing/1', headers: reader },
  { url: '/nowhere' },
  { method: 'DELETE', url: '/patient/1' },
  { url: '/patient/', headers: reader },
  { url: '/v1/patient/1', headers: reader },
]

describe('one log line per request', () => {
  it('writes exactly one line for 2xx, 4xx, unknown URLs, wrong methods and deprecated routes', async (ctx) => {
    const { lines } = await service(ctx)
    const written = await lines(REQUESTS)
    expect(written.map((request) => request.map((line) => [line.level, line.msg]))).toEqual([
      [[30, 'GET "/patient/:id" 200']],
      [[30, 'GET "/patient/:id" 401']],
      [[30, 'GET "/patient/:id" 401']],
      [[30, 'GET "/patient/:id" 403']],
      [[30, 'POST "/patient" 400']],
      [[30, 'GET "/missing/:id" 404']],
      [[30, 'GET "/nowhere" 404']],
      [[30, 'DELETE "/patient/1" 405']],
      [[30, 'GET "/patient/:id" 404']],
      [[40, 'GET "/v1/patient/:id" 200']],
    ])
  })

  it('says why a request was refused on that line, at info', async (ctx) => {
    const { lines } = await service(ctx)
    const [ok, missing, invalid, forbidden, validation, notFound, unknown, method] = (
      await lines(REQUESTS)
    ).map((request) => request[0])
    expect(ok?.refusal).toBeUndefined()
    expect(missing?.refusal).toEqual({ reason: 'Unauthorized: bearer token refused: no bearer token' })
    expect(invalid?.refusal?.reason).toMatch(/^Unauthorized: bearer token refused: /)
    expect(forbidden?.refusal?.reason).toMatch(
      /^Forbidden: protection predicate denied the request: .*read:patient/,
    )
    expect(validation?.refusal).toEqual({
      reason: "body must have required property 'name'",
      code: 'FST_ERR_VALIDATION',
    })
    expect(notFound?.refusal).toEqual({ reason: 'No such patient', code: 'FBI_ENTITY_NOT_FOUND' })
    expect(unknown?.refusal).toEqual({ reason: 'Route not found' })
    expect(method?.refusal).toEqual({ reason: 'Method not allowed (allowed: GET, HEAD, OPTIONS)' })
  })

  it('keeps the stack of a server error on a line of its own, at error', async (ctx) => {
    const file = join(mkdtempSync(join(tmpdir(), 'fbi-one-line-')), 'app.log')
    const app = Fastify(fbiServerOptions({ logger: { file } }))
    ctx.onTestFinished(() => app.close())
    await app.register(fbi, { env: ENV, monitoring: { gracefulShutdown: false, processMetrics: false } })
    app.get('/boom', async () => {
      throw new Error('kaput')
    })
    const res = await app.inject({ url: '/boom' })
    await app.close()
    const written = readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Line & { err?: { stack?: string } })
      .filter((line) => line.reqId === res.headers['x-request-id'])
    expect(written.map((line) => [line.level, line.msg])).toEqual([
      [50, 'kaput'],
      [30, 'GET "/boom" 500'],
    ])
    expect(written[0]?.err?.stack).toContain('kaput')
  })
})
