import fbiConfig from '@fbi/config'
import fbiErrors from '@fbi/errors'
import Fastify from 'fastify'
import { describe, expect, it } from 'vitest'
import fbiSchema, {
  FBI_SCHEMA_INVALID_OPTION,
  FBI_SCHEMA_VALIDATOR_IN_USE,
  type FbiSchemaOptions,
  fbiAjvFormats,
  QueryBoolean,
  StrictBody,
  Timestamp,
  Type,
} from '../src/index.js'
import { buildApp, ENV } from './helpers.js'

async function bare() {
  const app = Fastify()
  await app.register(fbiConfig, { env: { ...ENV, ENVIRONMENT: 'DEVELOPMENT' } })
  await app.register(fbiErrors)
  return app
}

describe('registration', () => {
  it('is named @fbi/schema and needs @fbi/config first', async (ctx) => {
    const app = Fastify()
    ctx.onTestFinished(() => app.close())
    app.register(fbiSchema, { openapi: false })
    await expect(app.ready()).rejects.toMatchObject({
      code: 'FST_ERR_PLUGIN_NOT_PRESENT_IN_INSTANCE',
      message: "The decorator 'config' required by '@fbi/schema' is not present in Fastify",
    })
    expect(fbiSchema[Symbol.for('plugin-meta') as never]).toMatchObject({ name: '@fbi/schema' })
  })

  it.for([
    [{ openapi: 'yes' }, "Invalid @fbi/schema option 'openapi': must be an object or false"],
    [
      { openapi: { docs: 'docs' } },
      "Invalid @fbi/schema option 'openapi.docs': must be a path starting with '/' or false",
    ],
    [
      { tolerateIdentifierKeys: 'no' },
      "Invalid @fbi/schema option 'tolerateIdentifierKeys': must be a boolean",
    ],
    [
      { rejectJsonBodyOn: 'GET' },
      "Invalid @fbi/schema option 'rejectJsonBodyOn': must be an array of HTTP method names",
    ],
    [{ validator: 1 }, "Invalid @fbi/schema option 'validator': must be a boolean"],
    [{ serializer: 'yes' }, "Invalid @fbi/schema option 'serializer': must be a boolean"],
    [{ compat: 'django' }, "Invalid @fbi/schema option 'compat': must be false or one of: flask"],
  ] as const)('rejects the options %j', async ([options, message], ctx) => {
    const app = await bare()
    ctx.onTestFinished(() => app.close())
    app.register(fbiSchema, options as unknown as FbiSchemaOptions)
    const error = await app.ready().then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(error).toBeInstanceOf(FBI_SCHEMA_INVALID_OPTION)
    expect(error).toMatchObject({ code: 'FBI_SCHEMA_INVALID_OPTION', statusCode: 500, message })
  })

  it('validates a root route declared before it: root routes compile at ready', async (ctx) => {
    const app = await bare()
    ctx.onTestFinished(() => app.close())
    app.get('/early', { schema: { querystring: Type.Object({ on: QueryBoolean() }) } }, async (r) => r.query)
    await app.register(fbiSchema, { openapi: false })
    const res = await app.inject('/early?on=FALSE')
    expect(res.statusCode).toBe(200)
    expect(res.json()).toEqual({ on: false })
  })

  it('refuses to register over a validator compiler set by hand, unless told validator: false', async (ctx) => {
    const refused = await bare()
    ctx.onTestFinished(() => refused.close())
    refused.setValidatorCompiler(() => () => true)
    refused.register(fbiSchema, { openapi: false })
    const error = await refused.ready().then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(error).toBeInstanceOf(FBI_SCHEMA_VALIDATOR_IN_USE)
    expect(error).toMatchObject({ code: 'FBI_SCHEMA_VALIDATOR_IN_USE', statusCode: 500 })

    const kept = await bare()
    ctx.onTestFinished(() => kept.close())
    kept.setValidatorCompiler(() => () => true)
    await kept.register(fbiSchema, { openapi: false, validator: false })
    kept.post('/', { schema: { body: StrictBody({ a: Type.String() }) } }, async (request) => request.body)
    const res = await kept.inject({ method: 'POST', url: '/', payload: { b: 1 } })
    expect(res.statusCode).toBe(200)
    expect(res.json()).toEqual({ b: 1 })
  })
})

describe('the validator', () => {
  it('resolves schemas shared with addSchema', async (ctx) => {
    const app = await buildApp()
    ctx.onTestFinished(() => app.close())
    app.addSchema({ $id: 'Reading', type: 'object', properties: { at: Timestamp }, required: ['at'] })
    app.post('/', { schema: { body: { $ref: 'Reading#' } } }, async (request) => request.body)
    const ok = await app.inject({ method: 'POST', url: '/', payload: { at: '2020-01-01T00:00:00.000Z' } })
    expect(ok.statusCode).toBe(200)
    const bad = await app.inject({ method: 'POST', url: '/', payload: { at: '2020-01-01' } })
    expect(bad.statusCode).toBe(400)
    expect(bad.json().message).toMatch(/^body\/at must be an ISO 8601 timestamp/)
  })

  it("keeps the server's own ajv options and plugins", async (ctx) => {
    const seen: string[] = []
    const app = Fastify({
      ajv: {
        customOptions: { removeAdditional: 'all', allErrors: true },
        plugins: [
          <A extends { addKeyword: (k: string) => unknown }>(ajv: A): A => {
            seen.push('plugin')
            ajv.addKeyword('x-note')
            return ajv
          },
        ],
      },
    })
    ctx.onTestFinished(() => app.close())
    await app.register(fbiConfig, { env: { ...ENV, ENVIRONMENT: 'DEVELOPMENT' } })
    await app.register(fbiErrors)
    await app.register(fbiSchema, { openapi: false })
    app.post(
      '/',
      {
        schema: {
          body: Type.Object({ n: Type.Integer(), at: Type.Optional(Timestamp) }, { 'x-note': 'hi' }),
        },
      },
      async (request) => request.body,
    )
    // removeAdditional 'all' (chosen by the server options) strips; allErrors reports every field.
    const stripped = await app.inject({ method: 'POST', url: '/', payload: { n: 7, extra: true } })
    expect(stripped.statusCode).toBe(200)
    expect(stripped.json()).toEqual({ n: 7 })
    const twoErrors = await app.inject({ method: 'POST', url: '/', payload: { n: 'x', at: 'x' } })
    expect(twoErrors.statusCode).toBe(400)
    expect(twoErrors.json().message).toMatch(
      /^body\/n must be integer, body\/at must be an ISO 8601 timestamp/,
    )
    expect(seen.length).toBeGreaterThan(0)
  })

  it('applies to every context registered after it, and to none of its siblings before', async (ctx) => {
    const app = await bare()
    ctx.onTestFinished(() => app.close())
    await app.register(async (before) => {
      before.get(
        '/before',
        { schema: { querystring: Type.Object({ on: Type.Boolean() }) } },
        async (r) => r.query,
      )
    })
    await app.register(fbiSchema, { openapi: false })
    await app.register(async (after) => {
      after.get(
        '/after',
        { schema: { querystring: Type.Object({ on: QueryBoolean() }) } },
        async (r) => r.query,
      )
    })
    const upper = await app.inject('/after?on=TRUE')
    expect(upper.statusCode).toBe(200)
    expect(upper.json()).toEqual({ on: true })
    // The context built before the plugin keeps Fastify's own (case-sensitive) coercion.
    const before = await app.inject('/before?on=TRUE')
    expect(before.statusCode).toBe(400)
  })

  it('leaves Fastify’s Ajv alone with validator: false; fbiAjvFormats then adds the format there', async (ctx) => {
    const app = Fastify({ ajv: { plugins: [fbiAjvFormats] } })
    ctx.onTestFinished(() => app.close())
    await app.register(fbiConfig, { env: { ...ENV, ENVIRONMENT: 'DEVELOPMENT' } })
    await app.register(fbiErrors)
    await app.register(fbiSchema, { openapi: false, validator: false })
    app.post('/', { schema: { body: StrictBody({ at: Timestamp }) } }, async (request) => request.body)
    const bad = await app.inject({ method: 'POST', url: '/', payload: { at: '2020-01-01' } })
    expect(bad.statusCode).toBe(400)
    expect(bad.json()).toEqual({ code: 400, message: 'body/at must match format "iso8601-timestamp"' })
    // Fastify's own Ajv: removeAdditional strips the unknown key instead of refusing it.
    const stripped = await app.inject({
      method: 'POST',
      url: '/',
      payload: { at: '2020-01-01T00:00:00.000Z', x: 1 },
    })
    expect(stripped.statusCode).toBe(200)
    expect(stripped.json()).toEqual({ at: '2020-01-01T00:00:00.000Z' })
  })
})

describe('the validator through public doors only', () => {
  it('hands the handler a scalar body Ajv coerced (Fastify’s { value } result)', async (ctx) => {
    const app = await buildApp()
    ctx.onTestFinished(() => app.close())
    app.post('/n', { schema: { body: Type.Integer() } }, async (request) => ({
      n: request.body,
      type: typeof request.body,
    }))
    const res = await app.inject({
      method: 'POST',
      url: '/n',
      headers: { 'content-type': 'application/json' },
      payload: '"12"',
    })
    expect(res.statusCode).toBe(200)
    expect(res.json()).toEqual({ n: 12, type: 'number' })
  })

  it('passes and fails an $async schema (a promise: pass or fail only)', async (ctx) => {
    const app = await buildApp()
    ctx.onTestFinished(() => app.close())
    const body = { $async: true, type: 'object', properties: { n: { type: 'integer' } }, required: ['n'] }
    app.post('/async', { schema: { body } }, async (request) => request.body)
    const ok = await app.inject({ method: 'POST', url: '/async', payload: { n: 1 } })
    expect(ok.statusCode).toBe(200)
    expect(ok.json()).toEqual({ n: 1 })
    const bad = await app.inject({ method: 'POST', url: '/async', payload: { m: 1 } })
    expect(bad.statusCode).toBe(400)
    expect(bad.json()).toMatchObject({ code: 400 })
  })

  it('still validates and coerces object bodies and query strings in place', async (ctx) => {
    const app = await buildApp()
    ctx.onTestFinished(() => app.close())
    app.get(
      '/q',
      { schema: { querystring: Type.Object({ n: Type.Integer(), on: QueryBoolean() }) } },
      async (r) => r.query,
    )
    const res = await app.inject('/q?n=3&on=TRUE')
    expect(res.statusCode).toBe(200)
    expect(res.json()).toEqual({ n: 3, on: true })
  })
})
