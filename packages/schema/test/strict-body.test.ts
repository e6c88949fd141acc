import { describe, expect, it } from 'vitest'
import { StrictBody, Timestamp, Type, UpdateBody } from '../src/index.js'
import { buildApp } from './helpers.js'

const Thing = { thing: Type.String(), other: Type.Integer(), list: Type.Array(Type.String()) }
const good = { thing: 'thing', other: 12, list: ['a', 'b'] }

async function postApp(environment = 'DEVELOPMENT', options = {}) {
  const app = await buildApp(options, { environment })
  app.post('/things', { schema: { body: StrictBody(Thing) } }, async (request) => request.body)
  app.patch(
    '/things/:id',
    { schema: { body: UpdateBody({ name: Type.String(), at: Timestamp }) } },
    async (request) => request.body,
  )
  return app
}

describe('StrictBody', () => {
  it('accepts a body with exactly its keys', async (ctx) => {
    const app = await postApp()
    ctx.onTestFinished(() => app.close())
    const res = await app.inject({ method: 'POST', url: '/things', payload: good })
    expect(res.statusCode).toBe(200)
    expect(res.json()).toEqual(good)
  })

  it('answers an unknown key with 400 naming it, instead of silently dropping it', async (ctx) => {
    const app = await postApp()
    ctx.onTestFinished(() => app.close())
    const res = await app.inject({
      method: 'POST',
      url: '/things',
      payload: { ...good, imnotallowed: 'oops!' },
    })
    expect(res.statusCode).toBe(400)
    expect(res.headers['content-type']).toMatch(/^application\/json/)
    expect(res.json()).toEqual({
      code: 400,
      message: "body must NOT have additional property 'imnotallowed'",
    })
  })

  it.for([
    [{ ...good, other: '12' }, 'body/other must be integer'],
    [{ ...good, other: 12.5 }, 'body/other must be integer'],
    [{ ...good, thing: 12 }, 'body/thing must be string'],
    [{ ...good, list: [{ thing: 'thing' }] }, 'body/list/0 must be string'],
    [{ thing: 'thing', other: 12 }, "body must have required property 'list'"],
    [{ ...good, other: null }, 'body/other must be integer'],
  ] as const)('checks types without coercion, as the seed did: %j', async ([payload, message], ctx) => {
    const app = await postApp()
    ctx.onTestFinished(() => app.close())
    const res = await app.inject({ method: 'POST', url: '/things', payload })
    expect(res.statusCode).toBe(400)
    expect(res.json()).toEqual({ code: 400, message })
  })

  it('accepts null for an optional key as the seed’s post() did, handing the handler no key', async (ctx) => {
    const app = await buildApp()
    ctx.onTestFinished(() => app.close())
    app.post(
      '/people',
      {
        schema: {
          body: StrictBody({
            name: Type.String(),
            nickname: Type.Optional(Type.String()),
            tags: Type.Optional(Type.Array(Type.String())),
          }),
        },
      },
      async (request) => ({ body: request.body, hasNickname: 'nickname' in request.body }),
    )
    const res = await app.inject({
      method: 'POST',
      url: '/people',
      payload: { name: 'a', nickname: null, tags: null },
    })
    expect(res.statusCode).toBe(200)
    expect(res.json()).toEqual({ body: { name: 'a' }, hasNickname: false })
    // A required key is still required: null is not a value for it.
    const required = await app.inject({ method: 'POST', url: '/people', payload: { name: null } })
    expect(required.statusCode).toBe(400)
    expect(required.json()).toEqual({ code: 400, message: 'body/name must be string' })
  })

  it('keeps refusing null where the schema is an UpdateBody: there null would mean "clear it"', async (ctx) => {
    const app = await postApp()
    ctx.onTestFinished(() => app.close())
    const res = await app.inject({ method: 'PATCH', url: '/things/1', payload: { name: null } })
    expect(res.statusCode).toBe(400)
    expect(res.json()).toEqual({ code: 400, message: 'body/name must be string' })
  })

  it('tolerates the identifier keys outside production', async (ctx) => {
    const app = await postApp('DEVELOPMENT')
    ctx.onTestFinished(() => app.close())
    const payload = {
      ...good,
      uuid: 'u1',
      created: 'some-iso-string',
      created_by: 'x',
      modified: 1,
      modified_by: null,
    }
    const res = await app.inject({ method: 'POST', url: '/things', payload })
    expect(res.statusCode).toBe(200)
    expect(res.json()).toEqual(payload)
  })

  it('refuses the identifier keys in production', async (ctx) => {
    const app = await postApp('PRODUCTION')
    ctx.onTestFinished(() => app.close())
    const res = await app.inject({
      method: 'POST',
      url: '/things',
      payload: { ...good, created: 'some-iso-string' },
    })
    expect(res.statusCode).toBe(400)
    expect(res.json()).toEqual({ code: 400, message: "body must NOT have additional property 'created'" })
  })

  it('follows the tolerateIdentifierKeys option over the environment', async (ctx) => {
    const app = await postApp('DEVELOPMENT', { tolerateIdentifierKeys: false })
    ctx.onTestFinished(() => app.close())
    const res = await app.inject({ method: 'POST', url: '/things', payload: { ...good, uuid: 'u1' } })
    expect(res.statusCode).toBe(400)
    expect(res.json()).toEqual({ code: 400, message: "body must NOT have additional property 'uuid'" })
  })

  it('keeps a schema of its own for an identifier key the body declares', async (ctx) => {
    const app = await buildApp()
    ctx.onTestFinished(() => app.close())
    app.post(
      '/',
      { schema: { body: StrictBody({ uuid: Type.String({ minLength: 3 }) }) } },
      async (r) => r.body,
    )
    const res = await app.inject({ method: 'POST', url: '/', payload: { uuid: 'u' } })
    expect(res.statusCode).toBe(400)
    expect(res.json()).toEqual({ code: 400, message: 'body/uuid must NOT have fewer than 3 characters' })
  })

  it('works with a schema that has an $id', async (ctx) => {
    const app = await buildApp()
    ctx.onTestFinished(() => app.close())
    const Body = StrictBody({ name: Type.String() }, { $id: 'NamedBody' })
    app.post('/a', { schema: { body: Body } }, async (r) => r.body)
    app.post('/b', { schema: { body: Body } }, async (r) => r.body)
    const a = await app.inject({ method: 'POST', url: '/a', payload: { name: 'n', uuid: 'u' } })
    const b = await app.inject({ method: 'POST', url: '/b', payload: { name: 'n', extra: 1 } })
    expect(a.statusCode).toBe(200)
    expect(a.json()).toEqual({ name: 'n', uuid: 'u' })
    expect(b.statusCode).toBe(400)
    expect(b.json()).toEqual({ code: 400, message: "body must NOT have additional property 'extra'" })
  })
})

describe('UpdateBody', () => {
  it('accepts any subset of its keys, including none', async (ctx) => {
    const app = await postApp()
    ctx.onTestFinished(() => app.close())
    for (const payload of [{ name: 'n' }, { at: '2020-01-01T00:00:00.000Z' }, {}]) {
      const res = await app.inject({ method: 'PATCH', url: '/things/1', payload })
      expect(res.statusCode).toBe(200)
      expect(res.json()).toEqual(payload)
    }
  })

  it('answers a key that cannot be updated with 400 naming it', async (ctx) => {
    const app = await postApp()
    ctx.onTestFinished(() => app.close())
    const res = await app.inject({ method: 'PATCH', url: '/things/1', payload: { name: 'n', owner: 'me' } })
    expect(res.statusCode).toBe(400)
    expect(res.json()).toEqual({ code: 400, message: "body must NOT have additional property 'owner'" })
  })

  it('refuses the identifier keys even outside production, as the seed’s update did', async (ctx) => {
    const app = await postApp('DEVELOPMENT')
    ctx.onTestFinished(() => app.close())
    const res = await app.inject({ method: 'PATCH', url: '/things/1', payload: { name: 'n', uuid: 'u1' } })
    expect(res.statusCode).toBe(400)
    expect(res.json()).toEqual({ code: 400, message: "body must NOT have additional property 'uuid'" })
  })

  it('checks the type of what it updates', async (ctx) => {
    const app = await postApp()
    ctx.onTestFinished(() => app.close())
    const res = await app.inject({ method: 'PATCH', url: '/things/1', payload: { at: 'soon' } })
    expect(res.statusCode).toBe(400)
    expect(res.json().message).toMatch(/^body\/at must be an ISO 8601 timestamp/)
  })
})

describe('additionalProperties: false anywhere', () => {
  it('is a 400 rather than Fastify’s default silent removal', async (ctx) => {
    const app = await buildApp()
    ctx.onTestFinished(() => app.close())
    app.post(
      '/',
      {
        schema: {
          body: Type.Object({ a: Type.Object({ b: Type.String() }, { additionalProperties: false }) }),
        },
      },
      async (request) => request.body,
    )
    const res = await app.inject({ method: 'POST', url: '/', payload: { a: { b: 'x', c: 'y' } } })
    expect(res.statusCode).toBe(400)
    expect(res.json()).toEqual({ code: 400, message: "body/a must NOT have additional property 'c'" })
  })

  it('keeps Fastify’s coercion for ordinary (non-strict) bodies', async (ctx) => {
    const app = await buildApp()
    ctx.onTestFinished(() => app.close())
    app.post('/', { schema: { body: Type.Object({ n: Type.Integer() }) } }, async (request) => request.body)
    const res = await app.inject({ method: 'POST', url: '/', payload: { n: '7' } })
    expect(res.statusCode).toBe(200)
    expect(res.json()).toEqual({ n: 7 })
  })
})

describe('JSON body on GET and DELETE', () => {
  async function bodylessApp(options = {}) {
    const app = await buildApp(options)
    app.get('/things', async () => ({ ok: true }))
    app.delete('/things/:id', async () => ({ ok: true }))
    app.post('/things', async () => ({ ok: true }))
    return app
  }

  it.for(['GET', 'DELETE'] as const)('answers a JSON body on %s with 400', async (method, ctx) => {
    const app = await bodylessApp()
    ctx.onTestFinished(() => app.close())
    const url = method === 'GET' ? '/things' : '/things/1'
    const res = await app.inject({ method, url, payload: { a: 1 } })
    expect(res.statusCode).toBe(400)
    expect(res.headers['content-type']).toMatch(/^application\/json/)
    expect(res.json()).toEqual({ code: 400, message: `${method} request should not have json body` })
  })

  it('also spots JSON variants and charset parameters', async (ctx) => {
    const app = await bodylessApp()
    ctx.onTestFinished(() => app.close())
    for (const type of [
      'application/json; charset=utf-8',
      'application/merge-patch+json',
      'APPLICATION/JSON',
    ]) {
      const res = await app.inject({
        method: 'GET',
        url: '/things',
        payload: '{}',
        headers: { 'content-type': type },
      })
      expect(res.statusCode).toBe(400)
      expect(res.json()).toEqual({ code: 400, message: 'GET request should not have json body' })
    }
  })

  it('lets through a GET without a body, a non-JSON body and a POST with JSON', async (ctx) => {
    const app = await bodylessApp()
    ctx.onTestFinished(() => app.close())
    const plain = await app.inject({
      method: 'GET',
      url: '/things',
      headers: { 'content-type': 'application/json' },
    })
    expect(plain.statusCode).toBe(200)
    const text = await app.inject({
      method: 'GET',
      url: '/things',
      payload: 'hello',
      headers: { 'content-type': 'text/plain' },
    })
    expect(text.statusCode).toBe(200)
    const post = await app.inject({ method: 'POST', url: '/things', payload: { a: 1 } })
    expect(post.statusCode).toBe(200)
    expect(post.json()).toEqual({ ok: true })
  })

  it("follows a route's config.rejectJsonBody, and leaves unrouted methods to their 404", async (ctx) => {
    const app = await buildApp()
    ctx.onTestFinished(() => app.close())
    app.get('/open', { config: { rejectJsonBody: false } }, async () => ({ ok: true }))
    app.post('/closed', { config: { rejectJsonBody: true } }, async () => ({ ok: true }))
    const open = await app.inject({ method: 'GET', url: '/open', payload: { a: 1 } })
    expect(open.statusCode).toBe(200)
    const closed = await app.inject({ method: 'POST', url: '/closed', payload: { a: 1 } })
    expect(closed.statusCode).toBe(400)
    expect(closed.json()).toEqual({ code: 400, message: 'POST request should not have json body' })
    const unrouted = await app.inject({ method: 'DELETE', url: '/open', payload: { a: 1 } })
    expect(unrouted.statusCode).toBe(405)
  })

  it('follows the rejectJsonBodyOn option', async (ctx) => {
    const app = await bodylessApp({ rejectJsonBodyOn: ['POST'] })
    ctx.onTestFinished(() => app.close())
    const get = await app.inject({ method: 'GET', url: '/things', payload: { a: 1 } })
    expect(get.statusCode).toBe(200)
    const post = await app.inject({ method: 'POST', url: '/things', payload: { a: 1 } })
    expect(post.statusCode).toBe(400)
    expect(post.json()).toEqual({ code: 400, message: 'POST request should not have json body' })
  })
})
