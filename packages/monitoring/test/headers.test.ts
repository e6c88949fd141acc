import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { buildApp } from './helpers.js'

const routes = (app: import('fastify').FastifyInstance) => {
  app.get('/items/:id', async (request) => ({ id: (request.params as { id: string }).id }))
  app.post('/items', async (_request, reply) => reply.code(201).send({ created: true }))
  app.route({ method: ['GET', 'PUT'], url: '/both', handler: async () => ({ both: true }) })
  app.get('/cached', async (_request, reply) =>
    reply.header('cache-control', 'public, max-age=60').send({ c: 1 }),
  )
  app.get('/missing', async (_request, reply) =>
    reply.code(404).send({ code: 404, message: 'Patient 1 not found' }),
  )
}

describe('no-cache headers', () => {
  it('are sent on every response, errors and unknown URLs included', async (ctx) => {
    const { app } = await buildApp({ routes })
    ctx.onTestFinished(() => app.close())
    for (const url of ['/items/1', '/missing', '/nowhere']) {
      const res = await app.inject({ url })
      expect(res.headers['cache-control']).toBe('no-cache, must-revalidate')
      expect(res.headers.pragma).toBe('no-cache')
      expect(res.headers.expires).toBe('0')
    }
  })

  it('are left out when the route set its own Cache-Control', async (ctx) => {
    const { app } = await buildApp({ routes })
    ctx.onTestFinished(() => app.close())
    const res = await app.inject({ url: '/cached' })
    expect(res.headers['cache-control']).toBe('public, max-age=60')
    expect(res.headers.pragma).toBeUndefined()
    expect(res.headers.expires).toBeUndefined()
  })

  it('can be turned off', async (ctx) => {
    const { app } = await buildApp({ routes, monitoring: { noCacheHeaders: false } })
    ctx.onTestFinished(() => app.close())
    expect((await app.inject({ url: '/items/1' })).headers['cache-control']).toBeUndefined()
  })
})

describe('ETags', () => {
  it('tag GET 2xx responses and answer 304 with an empty body when If-None-Match matches', async (ctx) => {
    const { app } = await buildApp({ routes })
    ctx.onTestFinished(() => app.close())
    const first = await app.inject({ url: '/items/1' })
    expect(first.statusCode).toBe(200)
    const etag = first.headers.etag as string
    // The default tag: the sha1 of the body, base64, quoted (as @fastify/etag makes it).
    expect(etag).toBe(`"${createHash('sha1').update(first.body).digest('base64')}"`)
    const again = await app.inject({ url: '/items/1', headers: { 'if-none-match': etag } })
    expect(again.statusCode).toBe(304)
    expect(again.body).toBe('')
    expect(again.headers.etag).toBe(etag)
    expect(again.headers['x-request-id']).toBeDefined()
    const weak = await app.inject({ url: '/items/1', headers: { 'if-none-match': `W/${etag}` } })
    expect(weak.statusCode).toBe(304)
    const other = await app.inject({ url: '/items/2', headers: { 'if-none-match': etag } })
    expect(other.statusCode).toBe(200)
    expect(other.json()).toEqual({ id: '2' })
  })

  it('tag HEAD responses like their GET', async (ctx) => {
    const { app } = await buildApp({ routes })
    ctx.onTestFinished(() => app.close())
    const get = await app.inject({ url: '/items/1' })
    const head = await app.inject({ method: 'HEAD', url: '/items/1' })
    expect(head.statusCode).toBe(200)
    expect(head.headers.etag).toBe(get.headers.etag)
    const conditional = await app.inject({
      method: 'HEAD',
      url: '/items/1',
      headers: { 'if-none-match': get.headers.etag as string },
    })
    expect(conditional.statusCode).toBe(304)
  })

  it('leave POST and other methods untouched, even with a matching If-None-Match', async (ctx) => {
    const { app } = await buildApp({ routes })
    ctx.onTestFinished(() => app.close())
    const post = await app.inject({ method: 'POST', url: '/items', payload: {} })
    expect(post.statusCode).toBe(201)
    expect(post.headers.etag).toBeUndefined()
    const getBoth = await app.inject({ url: '/both' })
    expect(getBoth.headers.etag).toBeDefined()
    const put = await app.inject({
      method: 'PUT',
      url: '/both',
      payload: {},
      headers: { 'if-none-match': getBoth.headers.etag as string },
    })
    expect(put.statusCode).toBe(200)
    expect(put.headers.etag).toBeUndefined()
    expect(put.json()).toEqual({ both: true })
  })

  it('leave non-2xx GET responses untouched', async (ctx) => {
    const { app } = await buildApp({ routes })
    ctx.onTestFinished(() => app.close())
    const res = await app.inject({ url: '/missing' })
    expect(res.statusCode).toBe(404)
    expect(res.headers.etag).toBeUndefined()
    expect((await app.inject({ url: '/nowhere' })).headers.etag).toBeUndefined()
  })

  it.each([
    ['a list holding the tag', (tag: string) => `"zzz", ${tag}`],
    ['a list holding the weak tag, no spaces', (tag: string) => `"zzz",W/${tag}`],
    ['a list with a comma inside a tag', (tag: string) => `"a,b" , ${tag}`],
    ['*', () => '*'],
  ])('answer 304 to If-None-Match with %s (RFC 9110: lists, weak comparison, *)', async (_what, header) => {
    const { app } = await buildApp({ routes })
    try {
      const etag = (await app.inject({ url: '/items/1' })).headers.etag as string
      const res = await app.inject({ url: '/items/1', headers: { 'if-none-match': header(etag) } })
      expect(res.statusCode).toBe(304)
      expect(res.body).toBe('')
    } finally {
      await app.close()
    }
  })

  it.each([
    ['another tag', '"other"'],
    ['a list of other tags', '"a", W/"b"'],
    ['an unquoted tag', 'abc'],
    ['garbage', '"unterminated, W/'],
    ['an empty value', ''],
  ])('answer 200 with the body to If-None-Match with %s', async (_what, header) => {
    const { app } = await buildApp({ routes })
    try {
      const res = await app.inject({ url: '/items/1', headers: { 'if-none-match': header } })
      expect(res.statusCode).toBe(200)
      expect(res.json()).toEqual({ id: '1' })
      expect(res.headers.etag).toBeDefined()
    } finally {
      await app.close()
    }
  })

  it('send a 304 without body headers (Content-Type, Content-Length), keeping ETag, cache and id headers', async (ctx) => {
    const { app } = await buildApp({ routes })
    ctx.onTestFinished(() => app.close())
    const etag = (await app.inject({ url: '/items/1' })).headers.etag as string
    for (const method of ['GET', 'HEAD'] as const) {
      const res = await app.inject({ method, url: '/items/1', headers: { 'if-none-match': etag } })
      expect(res.statusCode).toBe(304)
      expect(res.body).toBe('')
      expect(res.headers['content-type']).toBeUndefined()
      expect(res.headers.etag).toBe(etag)
      expect(res.headers['cache-control']).toBe('no-cache, must-revalidate')
      expect(res.headers['x-request-id']).toBeDefined()
      if (method === 'GET') expect(res.headers['content-length']).toBeUndefined()
    }
  })

  it('keep an ETag the route set itself and compare If-None-Match with it', async (ctx) => {
    const { app } = await buildApp({
      routes: (a) => a.get('/own', async (_request, reply) => reply.header('etag', '"v7"').send({ v: 7 })),
    })
    ctx.onTestFinished(() => app.close())
    expect((await app.inject({ url: '/own' })).headers.etag).toBe('"v7"')
    expect((await app.inject({ url: '/own', headers: { 'if-none-match': 'W/"v7"' } })).statusCode).toBe(304)
  })

  it('take the hash algorithm and weak tags as options, and can be turned off', async (ctx) => {
    const weak = await buildApp({ routes, monitoring: { etag: { weak: true } } })
    const sha256 = await buildApp({ routes, monitoring: { etag: { algorithm: 'sha256' } } })
    const off = await buildApp({ routes, monitoring: { etag: false } })
    ctx.onTestFinished(async () => {
      await weak.app.close()
      await sha256.app.close()
      await off.app.close()
    })
    const weakTag = (await weak.app.inject({ url: '/items/1' })).headers.etag as string
    expect(weakTag).toMatch(/^W\/"/)
    expect(
      (await weak.app.inject({ url: '/items/1', headers: { 'if-none-match': weakTag } })).statusCode,
    ).toBe(304)
    const strong = await sha256.app.inject({ url: '/items/1' })
    expect(strong.headers.etag).toBe(`"${createHash('sha256').update(strong.body).digest('base64')}"`)
    expect((await off.app.inject({ url: '/items/1' })).headers.etag).toBeUndefined()
  })
})
