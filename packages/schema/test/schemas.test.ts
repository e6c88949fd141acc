import { describe, expect, it } from 'vitest'
import {
  DateOnly,
  ErrorResponse,
  IDENTIFIER_KEYS,
  Identifier,
  TIMESTAMP_FORMAT,
  Timestamp,
  TimestampOut,
  Type,
} from '../src/index.js'
import { buildApp } from './helpers.js'

const TIMESTAMP_MESSAGE =
  'must be an ISO 8601 timestamp with milliseconds and Z or ±HH:MM, e.g. 2000-01-01T01:01:01.123Z'

describe('Timestamp', () => {
  it('is a string with the registered iso8601-timestamp format', () => {
    expect(TIMESTAMP_FORMAT).toBe('iso8601-timestamp')
    expect(JSON.parse(JSON.stringify(Timestamp))).toMatchObject({
      type: 'string',
      format: 'iso8601-timestamp',
    })
    expect(JSON.parse(JSON.stringify(TimestampOut))).toMatchObject({
      type: 'string',
      format: 'iso8601-timestamp',
    })
  })

  it.for([
    '2000-01-01T01:01:01.123Z',
    '2000-01-01T01:01:01.123+01:00',
    '2000-01-01T01:01:01.123-11:30',
    '2000-01-01T01:01:01.123456+00:00',
  ])('accepts %s in a body', async (at, ctx) => {
    const app = await buildApp()
    ctx.onTestFinished(() => app.close())
    app.post('/', { schema: { body: Type.Object({ at: Timestamp }) } }, async (request) => request.body)
    const res = await app.inject({ method: 'POST', url: '/', payload: { at } })
    expect(res.statusCode).toBe(200)
    expect(res.json()).toEqual({ at })
  })

  it.for([
    '2000-01-01T01:01:01Z',
    '2000-01-01T01:01:01.123',
    '2000-01-01 01:01:01.123Z',
    '2000-02-30T01:01:01.123Z',
    '2000-01-01T01:01:01.123+01',
    '1577836800000',
  ])('rejects %s in a body with 400 naming the field', async (at, ctx) => {
    const app = await buildApp()
    ctx.onTestFinished(() => app.close())
    app.post('/', { schema: { body: Type.Object({ at: Timestamp }) } }, async (request) => request.body)
    const res = await app.inject({ method: 'POST', url: '/', payload: { at } })
    expect(res.statusCode).toBe(400)
    expect(res.headers['content-type']).toMatch(/^application\/json/)
    expect(res.json()).toEqual({ code: 400, message: `body/at ${TIMESTAMP_MESSAGE}` })
  })

  it('validates in params and nested objects too', async (ctx) => {
    const app = await buildApp()
    ctx.onTestFinished(() => app.close())
    app.get(
      '/at/:at',
      { schema: { params: Type.Object({ at: Timestamp }) } },
      async (request) => request.params,
    )
    app.post(
      '/nested',
      { schema: { body: Type.Object({ reading: Type.Object({ at: Timestamp }) }) } },
      async () => ({}),
    )
    const ok = await app.inject('/at/2000-01-01T01:01:01.123Z')
    expect(ok.statusCode).toBe(200)
    expect(ok.json()).toEqual({ at: '2000-01-01T01:01:01.123Z' })
    const bad = await app.inject('/at/2000-01-01')
    expect(bad.statusCode).toBe(400)
    expect(bad.json()).toEqual({ code: 400, message: `params/at ${TIMESTAMP_MESSAGE}` })
    const nested = await app.inject({ method: 'POST', url: '/nested', payload: { reading: { at: 'now' } } })
    expect(nested.statusCode).toBe(400)
    expect(nested.json()).toEqual({ code: 400, message: `body/reading/at ${TIMESTAMP_MESSAGE}` })
  })
})

describe('DateOnly', () => {
  it('accepts a calendar date and rejects anything else', async (ctx) => {
    const app = await buildApp()
    ctx.onTestFinished(() => app.close())
    app.post('/', { schema: { body: Type.Object({ dob: DateOnly }) } }, async (request) => request.body)
    const ok = await app.inject({ method: 'POST', url: '/', payload: { dob: '2020-02-29' } })
    expect(ok.statusCode).toBe(200)
    expect(ok.json()).toEqual({ dob: '2020-02-29' })
    for (const dob of ['2021-02-29', '2020-2-1', '2020-01-01T00:00:00.000Z']) {
      const res = await app.inject({ method: 'POST', url: '/', payload: { dob } })
      expect(res.statusCode).toBe(400)
      expect(res.json()).toEqual({ code: 400, message: 'body/dob must be a date YYYY-MM-DD' })
    }
  })
})

describe('Identifier', () => {
  it('has the seed identifier keys, uuid required', () => {
    expect(Object.keys(Identifier.properties)).toEqual([...IDENTIFIER_KEYS])
    expect(Identifier.required).toEqual(['uuid'])
  })

  it('serialises a stored row with Date columns as timestamps and drops unknown columns', async (ctx) => {
    const app = await buildApp()
    ctx.onTestFinished(() => app.close())
    const Patient = Type.Composite([Identifier, Type.Object({ first_name: Type.String() })])
    app.get('/', { schema: { response: { 200: Patient } } }, async () => ({
      uuid: 'c5b4d4a6-7a0b-4bd1-9d1b-0d7c6f6f0a11',
      created: new Date(Date.UTC(2017, 8, 23, 8, 29, 19, 123)),
      created_by: 'system',
      modified: '2017-09-24T08:29:19.123+01:00',
      modified_by: 'system',
      first_name: 'Jo',
      password_hash: 'secret',
    }))
    const res = await app.inject('/')
    expect(res.statusCode).toBe(200)
    expect(res.headers['content-type']).toMatch(/^application\/json/)
    expect(res.json()).toEqual({
      uuid: 'c5b4d4a6-7a0b-4bd1-9d1b-0d7c6f6f0a11',
      created: '2017-09-23T08:29:19.123Z',
      created_by: 'system',
      modified: '2017-09-24T08:29:19.123+01:00',
      modified_by: 'system',
      first_name: 'Jo',
    })
  })
})

describe('ErrorResponse', () => {
  it('describes exactly the error bodies the app sends', async (ctx) => {
    const app = await buildApp()
    ctx.onTestFinished(() => app.close())
    app.get('/', { schema: { response: { 404: ErrorResponse } } }, async (_request, reply) =>
      reply.code(404).send({ code: 404, message: 'Patient not found' }),
    )
    const res = await app.inject('/')
    expect(res.statusCode).toBe(404)
    expect(res.json()).toEqual({ code: 404, message: 'Patient not found' })
    expect(ErrorResponse.required).toEqual(['code', 'message'])
    const notFound = await app.inject('/nowhere')
    expect(notFound.statusCode).toBe(404)
    expect(Object.keys(notFound.json()).sort()).toEqual(Object.keys(ErrorResponse.properties).sort())
  })
})
