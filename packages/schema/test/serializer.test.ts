import fbiConfig from '@fbi/config'
import Fastify from 'fastify'
import { afterEach, describe, expect, it, vi } from 'vitest'
import fbiSchema, { StrictBody, Timestamp, TimestampOut, Type } from '../src/index.js'
import { buildApp, ENV } from './helpers.js'

// fast-json-stringify compiles a response schema with anyOf/oneOf/if through an Ajv of its own.
// That Ajv must know @fbi/schema's format, or it prints `unknown format "iso8601-timestamp"
// ignored` (through console.warn, Ajv's default logger) on the first response of each route.
const Reading = Type.Object({
  at: TimestampOut,
  note: Type.Union([Type.String(), Type.Null()]),
  next: Type.Union([Timestamp, Type.Null()]),
})

afterEach(() => {
  vi.restoreAllMocks()
})

describe('the response serializer', () => {
  it('knows the iso8601-timestamp format: nothing is printed on the first response', async (ctx) => {
    const warn = vi.spyOn(console, 'warn')
    const error = vi.spyOn(console, 'error')
    const app = await buildApp()
    ctx.onTestFinished(() => app.close())
    app.get('/reading', { schema: { response: { 200: Reading } } }, async () => ({
      at: new Date('2020-01-01T01:02:03.456Z'),
      note: null,
      next: '2020-01-02T00:00:00.000+01:00',
    }))
    const res = await app.inject('/reading')
    expect(res.statusCode).toBe(200)
    expect(res.json()).toEqual({
      at: '2020-01-01T01:02:03.456Z',
      note: null,
      next: '2020-01-02T00:00:00.000+01:00',
    })
    const printed = [...warn.mock.calls, ...error.mock.calls].map((args) => args.join(' '))
    expect(printed.filter((line) => line.includes('unknown format'))).toEqual([])
  })

  it("keeps the server's serializerOpts", async (ctx) => {
    const app = Fastify({ serializerOpts: { rounding: 'ceil' } })
    ctx.onTestFinished(() => app.close())
    await app.register(fbiConfig, { env: { ...ENV, ENVIRONMENT: 'DEVELOPMENT' } })
    await app.register(fbiSchema, { openapi: false })
    app.get('/n', { schema: { response: { 200: Type.Object({ n: Type.Integer() }) } } }, async () => ({
      n: 1.2,
    }))
    expect((await app.inject('/n')).json()).toEqual({ n: 2 })
  })

  it("leaves Fastify's serializer alone with serializer: false", async (ctx) => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined)
    const app = await buildApp({ serializer: false })
    ctx.onTestFinished(() => app.close())
    app.get('/reading', { schema: { response: { 200: Reading } } }, async () => ({
      at: '2020-01-01T01:02:03.456Z',
      note: null,
      next: null,
    }))
    expect((await app.inject('/reading')).statusCode).toBe(200)
    expect(
      warn.mock.calls.some((args) => String(args[0]).includes('unknown format "iso8601-timestamp"')),
    ).toBe(true)
  })

  it('is left alone for strict bodies, which are request schemas', async (ctx) => {
    const app = await buildApp()
    ctx.onTestFinished(() => app.close())
    app.post('/s', { schema: { body: StrictBody({ at: Timestamp }) } }, async (request) => request.body)
    const res = await app.inject({ method: 'POST', url: '/s', payload: { at: '2020-01-01T00:00:00.000Z' } })
    expect(res.statusCode).toBe(200)
  })
})
