import fbiConfig from '@fbi/config'
import fbiErrors from '@fbi/errors'
import Fastify from 'fastify'
import { describe, expect, it } from 'vitest'
import fbiSchema from '../src/index.js'
import { ENV } from './helpers.js'

// Whatever a schema's own keyword throws or rejects with is the service's code failing: never a
// pass, never Fastify's own body, and the handler never runs.
const THROWN: ReadonlyArray<readonly [string, () => unknown]> = [
  ['undefined', () => undefined],
  ['null', () => null],
  ['0', () => 0],
  ["''", () => ''],
  ['false', () => false],
  ['an Error', () => new RangeError('lookup failed')],
]

interface KeywordHost {
  addKeyword(definition: {
    keyword: string
    async?: boolean
    validate: () => boolean | Promise<boolean>
  }): unknown
}

/** An app whose Ajv has the keywords `x-sync-check` and `x-async-check` (the latter needs `$async`). */
async function appWithKeywords(thrown: () => unknown, log?: (line: string) => void) {
  const app = Fastify({
    logger: log === undefined ? false : { stream: { write: log } },
    ajv: {
      plugins: [
        <A extends KeywordHost>(ajv: A): A => {
          ajv.addKeyword({
            keyword: 'x-sync-check',
            validate: () => {
              throw thrown()
            },
          })
          ajv.addKeyword({
            keyword: 'x-async-check',
            async: true,
            validate: () => Promise.reject(thrown()),
          })
          return ajv
        },
      ],
    },
  })
  await app.register(fbiConfig, { env: { ...ENV, ENVIRONMENT: 'PRODUCTION' } })
  await app.register(fbiErrors)
  await app.register(fbiSchema, { openapi: false })
  return app
}

describe('a keyword of the schema that fails', () => {
  // The same keyword, checked synchronously and in an $async schema (whose promise Fastify awaits).
  const SCHEMAS = [
    ['throwing', { 'x-sync-check': true }],
    ['an $async one rejecting with', { $async: true, 'x-async-check': true }],
  ] as const
  const CASES = SCHEMAS.flatMap(([how, extra]) =>
    THROWN.map(([label, thrown]) => [`${how} ${label}`, extra, thrown] as const),
  )

  it.for(CASES)('%s answers 500 in the one shape; the handler never runs', async ([, extra, thrown], ctx) => {
    const logged: unknown[] = []
    const app = await appWithKeywords(thrown, (line) => logged.push(JSON.parse(line).err?.code))
    ctx.onTestFinished(() => app.close())
    let ran = false
    const body = { type: 'object', properties: { n: { type: 'integer' } }, ...extra }
    app.post('/', { schema: { body } }, async () => {
      ran = true
      return { ok: true }
    })
    const res = await app.inject({ method: 'POST', url: '/', payload: { n: 1 } })
    expect(res.statusCode).toBe(500)
    expect(res.json()).toEqual({ code: 500, message: 'Internal Server Error' })
    expect(ran).toBe(false)
    // Our coded error reached the error handler, not a TypeError of Fastify's own making.
    expect(logged).toContain('FBI_SCHEMA_VALIDATOR_FAILED')
  })

  it('names the request part in the logged error and keeps what was thrown as its cause', async (ctx) => {
    const lines: Array<{ err?: Record<string, unknown> }> = []
    const app = await appWithKeywords(
      () => undefined,
      (line) => lines.push(JSON.parse(line)),
    )
    ctx.onTestFinished(() => app.close())
    app.get('/q', { schema: { querystring: { type: 'object', 'x-sync-check': true } } }, async () => 'ok')
    expect((await app.inject('/q?a=1')).statusCode).toBe(500)
    expect(lines.map((line) => line.err).filter(Boolean)).toEqual([
      expect.objectContaining({
        code: 'FBI_SCHEMA_VALIDATOR_FAILED',
        statusCode: 500,
        message: 'Validating the request querystring failed: a keyword or format of its schema threw',
        cause: 'undefined',
      }),
    ])
  })

  it("still answers 400 for an $async schema's invalid data (Ajv's ValidationError)", async (ctx) => {
    const app = await appWithKeywords(() => undefined)
    ctx.onTestFinished(() => app.close())
    const body = { $async: true, type: 'object', properties: { n: { type: 'integer' } }, required: ['n'] }
    app.post('/', { schema: { body } }, async () => ({ ok: true }))
    const res = await app.inject({ method: 'POST', url: '/', payload: { n: 'x' } })
    expect(res.statusCode).toBe(400)
    expect(res.json()).toMatchObject({ code: 400 })
  })
})

describe('registration fails closed', () => {
  it.for(THROWN.slice(0, 5))(
    'an option getter throwing %s rejects ready() with a coded error',
    async ([, thrown], ctx) => {
      const app = Fastify()
      ctx.onTestFinished(() => app.close())
      await app.register(fbiConfig, { env: { ...ENV, ENVIRONMENT: 'DEVELOPMENT' } })
      app.register(fbiSchema, {
        get openapi(): false {
          throw thrown()
        },
      })
      await expect(app.ready()).rejects.toMatchObject({
        code: 'FBI_SCHEMA_NON_ERROR_THROWN',
        statusCode: 500,
        message:
          'Registering @fbi/schema (an option getter or a custom logger) threw a value that is not an Error',
      })
    },
  )
})
