import { BadRequest } from '@fbi/errors'
import { describe, expect, it } from 'vitest'
import {
  FBI_SCHEMA_UNFORMATTABLE_DATE,
  formatDateOnly,
  formatTimestamp,
  isDateOnly,
  isTimestamp,
  joinTimestamp,
  parseDateOnly,
  parseTimestamp,
  splitTimestamp,
  TimestampOut,
  Type,
} from '../src/index.js'
import { buildApp } from './helpers.js'

const ISO = '2010-08-11T11:59:50.123Z'
const INSTANT = Date.UTC(2010, 7, 11, 11, 59, 50, 123)

describe('parseTimestamp', () => {
  it.for([
    [ISO, INSTANT],
    ['2015-01-01T05:00:00.456+01:00', Date.UTC(2015, 0, 1, 4, 0, 0, 456)],
    ['1975-11-12T16:34:10.010-05:00', Date.UTC(1975, 10, 12, 21, 34, 10, 10)],
    // Python's isoformat() sends microseconds; a Date keeps the milliseconds.
    ['2020-02-29T23:59:59.999999+00:00', Date.UTC(2020, 1, 29, 23, 59, 59, 999)],
    ['2020-01-01T00:00:00.5Z', Date.UTC(2020, 0, 1, 0, 0, 0, 500)],
    ['0001-01-01T00:00:00.000Z', -62135596800000],
  ] as const)('parses %s', ([text, ms]) => {
    expect(parseTimestamp(text).getTime()).toBe(ms)
  })

  it.for([
    '2010-08-11T11:59:50.123',
    '2010-08-11T11:59:50Z',
    '2010-08-11T11:59:50.1234567Z',
    '2010-08-11 11:59:50.123Z',
    '2010-08-11T11:59:50.123z',
    '2010-08-11T11:59:50.123+0100',
    '2010-08-11T11:59:50.123+24:00',
    '2010-08-11T24:00:00.000Z',
    '2010-08-11T11:60:00.000Z',
    '2010-08-11T11:59:60.000Z',
    '2019-02-29T00:00:00.000Z',
    '2010-13-01T00:00:00.000Z',
    '0000-01-01T00:00:00.000Z',
    '2010-08-11',
    '',
    'Hello, world!',
  ])('rejects %j with a BadRequest naming the value', (text) => {
    let error: unknown
    try {
      parseTimestamp(text)
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(BadRequest)
    expect((error as BadRequest).statusCode).toBe(400)
    expect((error as BadRequest).message).toBe(
      `'${text}' does not match expected ISO8601 format YYYY-MM-DDTHH:MM:SS.sss followed by Z or ±HH:MM`,
    )
  })

  it('shortens a long value in the message', () => {
    const long = 'x'.repeat(200)
    expect(() => parseTimestamp(long)).toThrow(`'${'x'.repeat(64)}…' does not match`)
  })

  it('gives null for null and undefined, like the seed', () => {
    expect(parseTimestamp(null)).toBeNull()
    expect(parseTimestamp(undefined)).toBeNull()
  })
})

describe('formatTimestamp', () => {
  it('writes UTC with milliseconds and Z', () => {
    expect(formatTimestamp(new Date(INSTANT))).toBe(ISO)
    expect(formatTimestamp(new Date(Date.UTC(2000, 0, 1)))).toBe('2000-01-01T00:00:00.000Z')
  })

  it('writes local time and ±HH:MM at an offset', () => {
    expect(formatTimestamp(new Date(INSTANT), 3600)).toBe('2010-08-11T12:59:50.123+01:00')
    expect(formatTimestamp(new Date(INSTANT), -(5 * 3600 + 30 * 60))).toBe('2010-08-11T06:29:50.123-05:30')
  })

  it('writes years below 1000 with four digits', () => {
    expect(formatTimestamp(parseTimestamp('0099-12-31T23:59:59.999Z'))).toBe('0099-12-31T23:59:59.999Z')
  })

  it('gives null for null', () => {
    expect(formatTimestamp(null)).toBeNull()
  })

  it.for([
    [new Date(Number.NaN), 0, 'Cannot format a timestamp: not a valid Date'],
    [new Date(INSTANT), 30, 'Cannot format a timestamp: offset 30s is not whole minutes within a day'],
    [new Date(INSTANT), 86_400, 'Cannot format a timestamp: offset 86400s is not whole minutes within a day'],
    [new Date(Date.UTC(10000, 0, 1)), 0, 'Cannot format a timestamp: year 10000 is outside 0001-9999'],
  ] as const)('refuses %s at offset %i', ([date, offset, message]) => {
    let error: unknown
    try {
      formatTimestamp(date, offset)
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(FBI_SCHEMA_UNFORMATTABLE_DATE)
    expect(error).toMatchObject({ code: 'FBI_SCHEMA_UNFORMATTABLE_DATE', statusCode: 500, message })
  })

  it('round-trips what it parses', () => {
    for (const text of [ISO, '2015-01-01T05:00:00.456+01:00', '1975-11-12T16:34:10.010-05:00']) {
      const { utc, offsetSeconds } = splitTimestamp(text)
      expect(formatTimestamp(utc, offsetSeconds)).toBe(text)
    }
  })
})

describe('splitTimestamp and joinTimestamp', () => {
  it.for([
    [ISO, INSTANT, 0],
    ['2015-01-01T05:00:00.456+01:00', Date.UTC(2015, 0, 1, 4, 0, 0, 456), 3600],
    ['1975-11-12T16:34:10.010-05:00', Date.UTC(1975, 10, 12, 21, 34, 10, 10), -18000],
  ] as const)('splits %s into the UTC instant and offset seconds', ([text, ms, offset]) => {
    const split = splitTimestamp(text)
    expect(split.utc.getTime()).toBe(ms)
    expect(split.offsetSeconds).toBe(offset)
    expect(joinTimestamp(split.utc, split.offsetSeconds)).toBe(text)
  })

  it('rejects a timestamp without offset with a BadRequest naming it', () => {
    expect(() => splitTimestamp(ISO.slice(0, -1))).toThrow(BadRequest)
    expect(() => splitTimestamp(ISO.slice(0, -1))).toThrow(`'${ISO.slice(0, -1)}' does not match`)
  })

  it('refuses an offset that is not whole minutes', () => {
    expect(() => joinTimestamp(new Date(INSTANT), 61)).toThrow(FBI_SCHEMA_UNFORMATTABLE_DATE)
  })
})

describe('dates', () => {
  it('parses YYYY-MM-DD to midnight UTC and formats the UTC day', () => {
    const date = parseDateOnly('2010-08-11')
    expect(date.getTime()).toBe(Date.UTC(2010, 7, 11))
    expect(formatDateOnly(date)).toBe('2010-08-11')
    expect(formatDateOnly(new Date(INSTANT))).toBe('2010-08-11')
    expect(parseDateOnly(null)).toBeNull()
    expect(formatDateOnly(undefined)).toBeNull()
  })

  it.for(['Hello, world!', '2010-8-11', '2019-02-29', '2010-08-11T00:00:00.000Z', ''])(
    'rejects %j with a BadRequest naming it',
    (text) => {
      expect(() => parseDateOnly(text)).toThrow(BadRequest)
      expect(() => parseDateOnly(text)).toThrow(`'${text}' does not match expected ISO8601 format YYYY-MM-DD`)
    },
  )

  it('checks values without throwing', () => {
    expect(isTimestamp(ISO)).toBe(true)
    expect(isTimestamp(42)).toBe(false)
    expect(isDateOnly('2020-02-29')).toBe(true)
    expect(isDateOnly('2021-02-29')).toBe(false)
    expect(isDateOnly(null)).toBe(false)
  })
})

describe('timestamps over HTTP', () => {
  it('answers a BadRequest thrown by parseTimestamp with 400 naming the value', async (ctx) => {
    const app = await buildApp()
    ctx.onTestFinished(() => app.close())
    app.post('/', { schema: { body: Type.Object({ at: Type.String() }) } }, async (request) => ({
      at: formatTimestamp(parseTimestamp(request.body.at), 3600),
    }))
    const bad = await app.inject({ method: 'POST', url: '/', payload: { at: 'yesterday' } })
    expect(bad.statusCode).toBe(400)
    expect(bad.headers['content-type']).toMatch(/^application\/json/)
    expect(bad.json()).toEqual({
      code: 400,
      message:
        "'yesterday' does not match expected ISO8601 format YYYY-MM-DDTHH:MM:SS.sss followed by Z or ±HH:MM",
    })
    const good = await app.inject({ method: 'POST', url: '/', payload: { at: ISO } })
    expect(good.statusCode).toBe(200)
    expect(good.json()).toEqual({ at: '2010-08-11T12:59:50.123+01:00' })
  })

  it('serialises Date objects in responses as timestamps, with or without a response schema', async (ctx) => {
    const app = await buildApp()
    ctx.onTestFinished(() => app.close())
    app.get('/plain', async () => ({ at: new Date(INSTANT), list: [new Date(0)] }))
    app.get(
      '/schema',
      { schema: { response: { 200: Type.Object({ at: TimestampOut, list: Type.Array(TimestampOut) }) } } },
      async () => ({ at: new Date(INSTANT), list: [new Date(0), '2000-01-01T00:00:00.000+01:00'] }),
    )
    const plain = await app.inject('/plain')
    expect(plain.statusCode).toBe(200)
    expect(plain.headers['content-type']).toMatch(/^application\/json/)
    expect(plain.body).toBe(`{"at":"${ISO}","list":["1970-01-01T00:00:00.000Z"]}`)
    const withSchema = await app.inject('/schema')
    expect(withSchema.statusCode).toBe(200)
    expect(withSchema.json()).toEqual({
      at: ISO,
      list: ['1970-01-01T00:00:00.000Z', '2000-01-01T00:00:00.000+01:00'],
    })
    expect(isTimestamp(withSchema.json().at)).toBe(true)
  })
})
