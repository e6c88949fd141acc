import Fastify from 'fastify'
import { describe, expect, it } from 'vitest'
import fbiErrors from '../src/index.js'
import { buildApp, LEVEL, throwingLogger } from './helpers.js'

// Whatever a handler or hook throws or rejects with, the client gets the one { code, message } shape
// with a 5xx (never a 200, never Fastify's own body, never the value itself), and the log says why.
const hostile = new Proxy(
  {},
  {
    get() {
      throw new TypeError('hostile getter')
    },
    has() {
      throw new TypeError('hostile has')
    },
  },
)
const thrownValues: ReadonlyArray<readonly [string, unknown]> = [
  ['undefined', undefined],
  ['null', null],
  ['0', 0],
  ["''", ''],
  ['false', false],
  ['NaN', Number.NaN],
  ['a number', 42],
  ['a string', 'token=secret-value'],
  ['a symbol', Symbol('secret')],
  ['a bigint', 10n],
  ['an empty object', {}],
  ['an object without a prototype', Object.create(null)],
  ['an object whose message is not a string', { message: { secret: 'value' } }],
  [
    'an object whose toString throws',
    {
      toString: () => {
        throw new TypeError('no')
      },
    },
  ],
  ['an object whose every property throws', hostile],
  ['an object with a 2xx statusCode', { statusCode: 200, message: 'ok' }],
  ['an object with a 3xx statusCode', { statusCode: 302, message: 'moved' }],
  ['an object with a fractional statusCode', { statusCode: 404.5, message: 'x' }],
  ['an array', ['secret-value']],
  ['a function', () => 'secret-value'],
]

describe('the error handler fails closed', () => {
  it.for(thrownValues)('answers a throw of %s with 500 and the one shape', async ([, value], ctx) => {
    const { app, logs } = await buildApp({ isProduction: true })
    ctx.onTestFinished(() => app.close())
    let reached = false
    app.get('/', async () => {
      throw value
    })
    app.get('/after', async () => {
      reached = true
      return { ok: true }
    })
    const res = await app.inject('/')
    expect(res.statusCode).toBe(500)
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8')
    expect(res.json()).toEqual({ code: 500, message: 'Internal Server Error' })
    expect(res.body).not.toContain('secret')
    expect(logs.some((line) => line.level === LEVEL.error)).toBe(true)
    expect(reached).toBe(false)
  })

  it.for(thrownValues)('answers a rejection of %s in an onRequest hook with 500', async ([, value], ctx) => {
    const { app } = await buildApp({ isProduction: true })
    ctx.onTestFinished(() => app.close())
    let handled = false
    app.get('/', { onRequest: async () => Promise.reject(value) }, async () => {
      handled = true
      return { ok: true }
    })
    const res = await app.inject('/')
    // Fastify reads some falsy rejections itself; whatever reaches us must never be a 200.
    expect(res.statusCode).toBe(500)
    expect(res.json()).toEqual({ code: 500, message: 'Internal Server Error' })
    expect(handled).toBe(false)
  })

  it.for(thrownValues)(
    'never shows the value of a non-Error throw, even outside production: %s',
    async ([, value], ctx) => {
      const { app } = await buildApp({ isProduction: false })
      ctx.onTestFinished(() => app.close())
      app.get('/', async () => {
        throw value
      })
      const res = await app.inject('/')
      expect(res.statusCode).toBe(500)
      expect(res.json()).toEqual({ code: 500, message: 'Internal Server Error' })
    },
  )

  it('keeps the 4xx of a plain object that carries one, with its status text when it has no message', async (ctx) => {
    const { app } = await buildApp({ isProduction: true })
    ctx.onTestFinished(() => app.close())
    app.get('/with', async () => {
      throw { statusCode: 429, message: 'Slow down' }
    })
    app.get('/without', async () => {
      throw { statusCode: 429, message: { secret: 'value' } }
    })
    expect((await app.inject('/with')).json()).toEqual({ code: 429, message: 'Slow down' })
    const without = await app.inject('/without')
    expect(without.statusCode).toBe(429)
    expect(without.json()).toEqual({ code: 429, message: 'Too Many Requests' })
  })
})

describe('a logger that throws', () => {
  it.for([
    ['undefined', undefined],
    ['null', null],
    ["''", ''],
    ['an Error', new RangeError('log sink gone')],
  ] as const)(
    'still gets a throwing route its 500 in the one shape when every log call throws %s',
    async ([, value], ctx) => {
      const { app } = await buildApp({ isProduction: true, loggerInstance: throwingLogger(value) })
      ctx.onTestFinished(() => app.close())
      app.get('/', async () => {
        throw new Error('boom')
      })
      app.get('/undefined', async () => {
        throw undefined
      })
      for (const url of ['/', '/undefined']) {
        const res = await app.inject(url)
        expect(res.statusCode).toBe(500)
        expect(res.headers['content-type']).toBe('application/json; charset=utf-8')
        expect(res.json()).toEqual({ code: 500, message: 'Internal Server Error' })
      }
    },
  )

  it('still gets a refused request its 4xx when the refusal cannot be logged', async (ctx) => {
    const { app } = await buildApp({ isProduction: true, loggerInstance: throwingLogger() })
    ctx.onTestFinished(() => app.close())
    app.get('/', async () => {
      throw Object.assign(new Error('Slow down'), { statusCode: 429 })
    })
    const res = await app.inject('/')
    expect(res.statusCode).toBe(429)
    expect(res.json()).toEqual({ code: 429, message: 'Slow down' })
  })
})

describe('registration fails closed', () => {
  it.for([
    ['undefined', undefined],
    ['null', null],
    ['0', 0],
    ["''", ''],
    ['false', false],
  ] as const)('an option getter throwing %s rejects ready() with a coded error', async ([, value], ctx) => {
    const app = Fastify()
    ctx.onTestFinished(() => app.close())
    app.register(fbiErrors, {
      get problemJson(): boolean {
        throw value
      },
    })
    await expect(app.ready()).rejects.toMatchObject({
      code: 'FBI_ERRORS_NON_ERROR_THROWN',
      statusCode: 500,
      message: 'Registering @fbi/errors (an option getter) threw a value that is not an Error',
    })
  })
})
