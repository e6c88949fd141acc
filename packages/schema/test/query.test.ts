import { describe, expect, it } from 'vitest'
import { QueryBoolean, QueryInteger, QueryList, QueryTimestamp, Type } from '../src/index.js'
import { buildApp } from './helpers.js'

async function queryApp() {
  const app = await buildApp()
  app.get(
    '/',
    {
      schema: {
        querystring: Type.Object({
          active: Type.Optional(QueryBoolean()),
          current: Type.Optional(QueryBoolean({ default: false })),
          limit: Type.Optional(QueryInteger({ minimum: 1 })),
          ids: Type.Optional(QueryList()),
          counts: Type.Optional(QueryList(Type.Integer())),
          since: Type.Optional(QueryTimestamp()),
          name: Type.Optional(Type.String()),
        }),
      },
    },
    async (request) => ({
      ...request.query,
      types: Object.fromEntries(
        Object.entries(request.query).map(([key, value]) => [
          key,
          value instanceof Date ? 'date' : Array.isArray(value) ? 'array' : typeof value,
        ]),
      ),
    }),
  )
  return app
}

describe('QueryBoolean', () => {
  it.for([
    ['true', true],
    ['false', false],
    ['TRUE', true],
    ['False', false],
    ['tRuE', true],
  ] as const)('reads %s as %s', async ([text, value], ctx) => {
    const app = await queryApp()
    ctx.onTestFinished(() => app.close())
    const res = await app.inject(`/?active=${text}`)
    expect(res.statusCode).toBe(200)
    expect(res.json()).toMatchObject({ active: value, types: { active: 'boolean' } })
  })

  it('falls back to its default when absent', async (ctx) => {
    const app = await queryApp()
    ctx.onTestFinished(() => app.close())
    const res = await app.inject('/')
    expect(res.statusCode).toBe(200)
    expect(res.json()).toEqual({ current: false, types: { current: 'boolean' } })
  })

  it.for(['jeff', '1', '0', 'yes', '', 'true '])(
    'answers %j with 400 "must be true or false"',
    async (text, ctx) => {
      const app = await queryApp()
      ctx.onTestFinished(() => app.close())
      const res = await app.inject({ url: '/', query: { active: text } })
      expect(res.statusCode).toBe(400)
      expect(res.headers['content-type']).toMatch(/^application\/json/)
      expect(res.json()).toEqual({ code: 400, message: 'querystring/active must be true or false' })
    },
  )
})

describe('QueryInteger', () => {
  it('reads an integer', async (ctx) => {
    const app = await queryApp()
    ctx.onTestFinished(() => app.close())
    const res = await app.inject('/?limit=12345')
    expect(res.statusCode).toBe(200)
    expect(res.json()).toMatchObject({ limit: 12345, types: { limit: 'number' } })
  })

  it.for(['a', '1.5', ''])('answers %j with 400 naming the argument', async (text, ctx) => {
    const app = await queryApp()
    ctx.onTestFinished(() => app.close())
    const res = await app.inject({ url: '/', query: { limit: text } })
    expect(res.statusCode).toBe(400)
    expect(res.json()).toEqual({ code: 400, message: 'querystring/limit must be integer' })
  })

  it('keeps its other constraints', async (ctx) => {
    const app = await queryApp()
    ctx.onTestFinished(() => app.close())
    const res = await app.inject('/?limit=0')
    expect(res.statusCode).toBe(400)
    expect(res.json()).toEqual({ code: 400, message: 'querystring/limit must be >= 1' })
  })
})

describe('QueryList', () => {
  it.for([
    ['12345', ['12345']],
    ['12345|66778', ['12345', '66778']],
    ['a||b', ['a', '', 'b']],
  ] as const)('splits %s on "|"', async ([text, list], ctx) => {
    const app = await queryApp()
    ctx.onTestFinished(() => app.close())
    const res = await app.inject(`/?ids=${text}`)
    expect(res.statusCode).toBe(200)
    expect(res.json()).toMatchObject({ ids: list, types: { ids: 'array' } })
  })

  it('splits every repetition of the argument', async (ctx) => {
    const app = await queryApp()
    ctx.onTestFinished(() => app.close())
    const res = await app.inject('/?ids=a|b&ids=c')
    expect(res.statusCode).toBe(200)
    expect(res.json()).toMatchObject({ ids: ['a', 'b', 'c'] })
  })

  it('validates and coerces the items', async (ctx) => {
    const app = await queryApp()
    ctx.onTestFinished(() => app.close())
    const ok = await app.inject('/?counts=1|2|3')
    expect(ok.statusCode).toBe(200)
    expect(ok.json()).toMatchObject({ counts: [1, 2, 3] })
    const bad = await app.inject('/?counts=1|two')
    expect(bad.statusCode).toBe(400)
    expect(bad.json()).toEqual({ code: 400, message: 'querystring/counts/1 must be integer' })
  })

  it('leaves "|" alone in other arguments', async (ctx) => {
    const app = await queryApp()
    ctx.onTestFinished(() => app.close())
    const res = await app.inject('/?name=a|b')
    expect(res.statusCode).toBe(200)
    expect(res.json()).toEqual({ name: 'a|b', current: false, types: { name: 'string', current: 'boolean' } })
  })
})

describe('QueryTimestamp', () => {
  it('hands the handler a Date', async (ctx) => {
    const app = await queryApp()
    ctx.onTestFinished(() => app.close())
    const res = await app.inject({ url: '/', query: { since: '1970-01-01T01:00:00.000+01:00' } })
    expect(res.statusCode).toBe(200)
    expect(res.json()).toMatchObject({ since: '1970-01-01T00:00:00.000Z', types: { since: 'date' } })
  })

  it.for(['1970-01-01', '1970-01-01T00:00:00Z', 'now'])(
    'answers %s with 400 naming the argument',
    async (text, ctx) => {
      const app = await queryApp()
      ctx.onTestFinished(() => app.close())
      const res = await app.inject({ url: '/', query: { since: text } })
      expect(res.statusCode).toBe(400)
      expect(res.json()).toEqual({
        code: 400,
        message:
          'querystring/since must be an ISO 8601 timestamp with milliseconds and Z or ±HH:MM, e.g. 2000-01-01T01:01:01.123Z',
      })
    },
  )
})

describe('query helpers in a plugin of their own', () => {
  it('decode in encapsulated contexts registered after @fbi/schema', async (ctx) => {
    const app = await buildApp()
    ctx.onTestFinished(() => app.close())
    await app.register(
      async (child) => {
        child.get(
          '/',
          { schema: { querystring: Type.Object({ on: QueryBoolean(), ids: QueryList() }) } },
          async (request) => request.query,
        )
      },
      { prefix: '/child' },
    )
    const res = await app.inject('/child?on=TRUE&ids=x|y')
    expect(res.statusCode).toBe(200)
    expect(res.json()).toEqual({ on: true, ids: ['x', 'y'] })
  })
})
