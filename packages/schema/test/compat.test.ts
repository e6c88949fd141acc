import { describe, expect, it, vi } from 'vitest'
import { StrictBody, Type, UpdateBody } from '../src/index.js'
import { buildApp } from './helpers.js'

// The oracle's service: post(required={name: str, age: int}, optional={nickname: str, weight: float}).
async function flaskApp(environment = 'DEVELOPMENT', options = {}) {
  const app = await buildApp(options, { environment, compat: 'flask' })
  app.post(
    '/s',
    {
      schema: {
        body: StrictBody({
          name: Type.String(),
          age: Type.Integer(),
          nickname: Type.Optional(Type.String()),
          weight: Type.Optional(Type.Number()),
          tags: Type.Optional(Type.Array(Type.String())),
          extra: Type.Optional(Type.Object({})),
        }),
      },
    },
    async (request) => request.body,
  )
  app.patch(
    '/u',
    { schema: { body: UpdateBody({ age: Type.Integer(), weight: Type.Number() }) } },
    async (r) => r.body,
  )
  // The original checked a GET body only in handlers that called get(): this route does, /plain not.
  app.get('/g', { config: { rejectJsonBody: true } }, async () => ({ ok: true }))
  app.get('/plain', async () => ({ ok: true }))
  return app
}

const post = (
  payload: unknown,
  headers: Record<string, string> = { 'content-type': 'application/json' },
) => ({
  method: 'POST' as const,
  url: '/s',
  headers,
  ...(payload === undefined
    ? {}
    : { payload: typeof payload === 'string' ? payload : JSON.stringify(payload) }),
})

describe("compat: 'flask' strict bodies (the original's post() and update())", () => {
  it.for([
    [
      'required keys only',
      { name: 'a', age: 3 },
      { name: 'a', age: 3, nickname: null, weight: null, tags: [], extra: {} },
    ],
    [
      'a null optional key',
      { name: 'a', age: 3, nickname: null },
      { name: 'a', age: 3, nickname: null, weight: null, tags: [], extra: {} },
    ],
    [
      'true for an int (Python bool is an int)',
      { name: 'a', age: true },
      { name: 'a', age: true, nickname: null, weight: null, tags: [], extra: {} },
    ],
    [
      'true for a float (float(True))',
      { name: 'a', age: 3, weight: true },
      { name: 'a', age: 3, nickname: null, weight: 1, tags: [], extra: {} },
    ],
    [
      'an int for a float',
      { name: 'a', age: 3, weight: 70 },
      { name: 'a', age: 3, nickname: null, weight: 70, tags: [], extra: {} },
    ],
  ] as const)('accepts %s, filling absent optional keys as post() did', async ([, payload, body], ctx) => {
    const app = await flaskApp()
    ctx.onTestFinished(() => app.close())
    const res = await app.inject(post(payload))
    expect(res.statusCode).toBe(200)
    expect(res.json()).toEqual(body)
  })

  it.for([
    ['a missing required key', { name: 'a' }, "'Json request is missing a required key age'"],
    ['a null required key', { name: null, age: 3 }, "'Json request is missing a required key name'"],
    ['an empty object', {}, "'Json request is missing a required key name'"],
    ['a JSON array', [1, 2], "'Json request is missing a required key name'"],
    ['a string for an int', { name: 'a', age: '12' }, 'value for age is not of the expected type'],
    ['a number for a string', { name: 5, age: 3 }, 'value for name is not of the expected type'],
    ['a wrong list item', { name: 'a', age: 3, tags: [1] }, 'value in list tags is not of the expected type'],
    [
      'an unknown key (fbi’s message: the original echoed the body as a Python dict)',
      { name: 'a', age: 3, oops: 1 },
      "body must NOT have additional property 'oops'",
    ],
  ] as const)('answers %s with the original’s 400', async ([, payload, message], ctx) => {
    const app = await flaskApp()
    ctx.onTestFinished(() => app.close())
    const res = await app.inject(post(payload))
    expect(res.statusCode).toBe(400)
    expect(res.json()).toEqual({ code: 400, message })
  })

  it.for([
    ['no body and no content type', undefined, {}],
    ['a text/plain body', 'name=a', { 'content-type': 'text/plain' }],
  ] as const)('answers %s with "Request requires a json body"', async ([, payload, headers], ctx) => {
    const app = await flaskApp()
    ctx.onTestFinished(() => app.close())
    const res = await app.inject(post(payload, headers))
    expect(res.statusCode).toBe(400)
    expect(res.json()).toEqual({ code: 400, message: 'Request requires a json body' })
  })

  it('does not fill the tolerated identifier keys, which the original only let through', async (ctx) => {
    const app = await flaskApp()
    ctx.onTestFinished(() => app.close())
    const res = await app.inject(post({ name: 'a', age: 3, uuid: 'u1' }))
    expect(res.statusCode).toBe(200)
    expect(res.json()).toEqual({
      name: 'a',
      age: 3,
      uuid: 'u1',
      nickname: null,
      weight: null,
      tags: [],
      extra: {},
    })
  })

  it('takes booleans for numbers in update() too, and fills nothing there', async (ctx) => {
    const app = await flaskApp()
    ctx.onTestFinished(() => app.close())
    const res = await app.inject({ method: 'PATCH', url: '/u', payload: { age: false, weight: false } })
    expect(res.statusCode).toBe(200)
    expect(res.json()).toEqual({ age: false, weight: 0 })
  })

  it('refuses a GET with a JSON content type even without a body, as request.is_json did', async (ctx) => {
    const app = await flaskApp()
    ctx.onTestFinished(() => app.close())
    const res = await app.inject({
      method: 'GET',
      url: '/g',
      headers: { 'content-type': 'application/json' },
    })
    expect(res.statusCode).toBe(400)
    expect(res.json()).toEqual({ code: 400, message: 'GET request should not have json body' })
  })

  it('checks a GET body only on the routes that ask for it, as get() ran only where called', async (ctx) => {
    const app = await flaskApp()
    ctx.onTestFinished(() => app.close())
    const json = { 'content-type': 'application/json' }
    const plain = await app.inject({ method: 'GET', url: '/plain', headers: json, payload: '{"a":1}' })
    expect(plain.statusCode).toBe(200)
    expect(plain.json()).toEqual({ ok: true })
    const asked = await app.inject({ method: 'GET', url: '/g', headers: json, payload: '{"a":1}' })
    expect(asked.statusCode).toBe(400)
    // An unrouted method is left to its 405 (@fbi/errors): the check belongs to a route.
    const unrouted = await app.inject({ method: 'DELETE', url: '/g', headers: json, payload: '{"a":1}' })
    expect(unrouted.statusCode).toBe(405)
  })

  it('parses application/*+json bodies as JSON, as get_json() did', async (ctx) => {
    const app = await flaskApp()
    ctx.onTestFinished(() => app.close())
    for (const type of ['application/vnd.api+json', 'application/merge-patch+json; charset=utf-8']) {
      const res = await app.inject(post('{"name":"a","age":3}', { 'content-type': type }))
      expect(res.statusCode).toBe(200)
      expect(res.json()).toMatchObject({ name: 'a', age: 3 })
    }
    // Fastify's JSON parser, prototype-poisoning protection included.
    const poisoned = await app.inject(
      post('{"name":"a","age":3,"__proto__":{"x":1}}', { 'content-type': 'application/vnd.api+json' }),
    )
    expect(poisoned.statusCode).toBe(400)
  })

  it('compiles the compat strict bodies without Ajv strict-mode warnings', async (ctx) => {
    const warnings: unknown[] = []
    const warn = vi.spyOn(console, 'warn').mockImplementation((...args) => void warnings.push(args))
    ctx.onTestFinished(() => warn.mockRestore())
    const app = await flaskApp()
    ctx.onTestFinished(() => app.close())
    const res = await app.inject(post({ name: 'a', age: true }))
    expect(res.statusCode).toBe(200)
    expect(warnings).toEqual([])
  })

  it("keeps fbi's checks when its own compat option says false", async (ctx) => {
    const app = await flaskApp('DEVELOPMENT', { compat: false })
    ctx.onTestFinished(() => app.close())
    const missing = await app.inject(post({ name: 'a' }))
    expect(missing.json()).toEqual({ code: 400, message: "body must have required property 'age'" })
    const ok = await app.inject(post({ name: 'a', age: 3 }))
    expect(ok.json()).toEqual({ name: 'a', age: 3 })
    const get = await app.inject({
      method: 'GET',
      url: '/g',
      headers: { 'content-type': 'application/json' },
    })
    expect(get.statusCode).toBe(200)
  })

  it('can be asked for by its own option without @fbi/config’s', async (ctx) => {
    const app = await buildApp({ compat: 'flask' })
    ctx.onTestFinished(() => app.close())
    app.post('/s', { schema: { body: StrictBody({ age: Type.Integer() }) } }, async (r) => r.body)
    const res = await app.inject(post({ age: '1' }))
    expect(res.json()).toEqual({ code: 400, message: 'value for age is not of the expected type' })
  })
})
