import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { REDACTED_FIELDS } from '@fbi/monitoring'
import { scopesPresent } from '@fbi/security'
import fc from 'fast-check'
import Fastify from 'fastify'
import { describe, expect, it } from 'vitest'
import fbi, { fbiServerOptions } from '../src/index.js'
import { ENV, token } from './helpers.js'

// The service declares these besides the built-in list.
const DECLARED = ['ward_bed', 'carer_name']
const SENSITIVE = [...REDACTED_FIELDS.filter((name) => !/cookie|authorization/.test(name)), ...DECLARED]

/** Every value that must never be written carries this, so one search of the log finds any leak. */
const MARK = 'PIIx'

/** A field name spelt as services spell it: any case per letter, words joined by _, - or nothing. */
const spelt = (name: string) =>
  fc
    .tuple(
      fc.constantFrom('_', '-', ''),
      fc.array(fc.boolean(), { minLength: name.length, maxLength: name.length }),
    )
    .map(([separator, upper]) =>
      [...name.replaceAll('_', '\u0000')]
        .map((char, i) => (char === '\u0000' ? separator : upper[i] ? char.toUpperCase() : char))
        .join(''),
    )

const sensitiveName = fc.constantFrom(...SENSITIVE).chain(spelt)
const secret = fc.stringMatching(/^[A-Za-z0-9]{6,12}$/).map((text) => `${MARK}${text}`)
const safeName = fc
  .stringMatching(/^[a-z][a-z_]{0,10}$/)
  .filter((name) => !SENSITIVE.some((s) => s.replaceAll('_', '') === name.replaceAll('_', '')))
const safeValue = fc.oneof(fc.stringMatching(/^[a-z ]{0,12}$/), fc.integer(), fc.boolean(), fc.constant(null))
// What sits under a sensitive name: a value, or a whole structure of them.
const secretSubtree = fc.oneof(
  secret,
  fc.array(secret, { maxLength: 3 }),
  fc.dictionary(safeName, secret, { maxKeys: 3 }),
)

const { body } = fc.letrec((tie) => ({
  body: fc
    .tuple(
      fc.dictionary(safeName, tie('value'), { maxKeys: 4 }),
      fc.array(fc.tuple(sensitiveName, secretSubtree), { minLength: 1, maxLength: 3 }),
    )
    .map(([safe, sensitive]) => ({ ...safe, ...Object.fromEntries(sensitive) })),
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    safeValue,
    tie('body'),
    fc.array(tie('body'), { maxLength: 3 }),
  ),
}))

const exchange = fc.record({
  body,
  pathSecret: secret,
  query: fc.array(fc.tuple(sensitiveName, secret), { minLength: 1, maxLength: 3 }),
  headerSecret: secret,
  authorized: fc.constantFrom('yes', 'no token', 'wrong scope'),
})

async function fuzzedApp(environment: string) {
  const file = join(mkdtempSync(join(tmpdir(), 'fbi-log-fuzz-')), 'app.log')
  const app = Fastify(fbiServerOptions({ logger: { level: 'trace', file, redactFields: DECLARED } }))
  await app.register(fbi, {
    env: { ...ENV, ENVIRONMENT: environment },
    // Bodies on everywhere, so production is fuzzed with them too.
    monitoring: { gracefulShutdown: false, processMetrics: false, logBodies: true },
  })
  const protect = scopesPresent('write:reading')
  app.post('/patient/:nhs_number/readings', { config: { protect } }, async (request, reply) => {
    // A handler that logs what it received, and answers with it.
    request.log.info({ received: request.body, query: request.query }, 'reading received')
    request.log.child({ patient: request.body }).debug('child bound to the body')
    return reply.code(422).send({ code: 422, message: 'Unprocessable', received: request.body })
  })
  app.post(
    '/strict/:nhs_number',
    {
      config: { protect },
      schema: {
        body: { type: 'object', required: ['reading'], properties: { reading: { type: 'number' } } },
      },
    },
    async (request) => request.body,
  )
  await app.ready()
  return { app, file }
}

describe.each(['DEVELOPMENT', 'PRODUCTION'])('fuzzed identifiers in %s', (environment) => {
  it('never reach any line the app writes', async (ctx) => {
    const { app, file } = await fuzzedApp(environment)
    ctx.onTestFinished(() => app.close())
    const good = token(['write:reading'])
    const other = token(['read:nothing'])
    let requests = 0
    await fc.assert(
      fc.asyncProperty(exchange, async ({ body, pathSecret, query, headerSecret, authorized }) => {
        const search = query.map(([name, value]) => `${encodeURIComponent(name)}=${value}`).join('&')
        const headers: Record<string, string> = { 'x-nhs-number': headerSecret, 'x-ward-bed': headerSecret }
        if (authorized === 'yes') headers.authorization = `Bearer ${good}`
        if (authorized === 'wrong scope') headers.authorization = `Bearer ${other}`
        for (const url of [`/patient/${pathSecret}/readings`, `/strict/${pathSecret}`]) {
          const res = await app.inject({ method: 'POST', url: `${url}?${search}`, headers, payload: body })
          expect(res.statusCode).toBe(
            authorized === 'no token'
              ? 401
              : authorized === 'wrong scope'
                ? 403
                : url.startsWith('/strict')
                  ? 400
                  : 422,
          )
          requests++
        }
        // The query of an unknown URL too (its path is not fuzzed: no route says which part is data).
        await app.inject({ url: `/nowhere?${search}`, headers })
        requests++
      }),
      { numRuns: 60 },
    )
    await app.close()
    const text = readFileSync(file, 'utf8')
    const lines = text.trim().split('\n')
    // The test can fail: every request wrote its line, with bodies where they were parsed.
    expect(lines.filter((line) => line.includes('"httpRequest"'))).toHaveLength(requests)
    expect(text).toContain('"requestContent":{')
    expect(text).toContain('[REDACTED]')
    const leaked = lines.filter((line) => line.includes(MARK))
    expect(leaked, `lines with an identifier in them:\n${leaked.join('\n')}`).toEqual([])
  })
})
