import { describe, expect, it } from 'vitest'
import { CLIP_AT } from '../src/index.js'
import { buildApp, requestLines } from './helpers.js'

const routes = (app: import('fastify').FastifyInstance) => {
  app.get('/items/:id', async (request) => ({ id: (request.params as { id: string }).id }))
  app.post('/items', async (request, reply) =>
    reply.code(422).send({ code: 422, message: `rejected ${JSON.stringify(request.body).length} chars` }),
  )
  app.get('/long-error', async (_request, reply) => reply.code(400).send('e'.repeat(6000)))
}

describe('request log', () => {
  it('writes one info line per request with the seed httpRequest fields', async (ctx) => {
    const { app, logs } = await buildApp({ routes })
    ctx.onTestFinished(() => app.close())
    const res = await app.inject({
      url: '/items/7?q=1',
      headers: { 'user-agent': 'probe/1.0', 'x-request-id': 'log-1' },
    })
    expect(res.statusCode).toBe(200)
    const lines = requestLines(logs)
    expect(lines).toHaveLength(1)
    const [line] = lines
    expect(line?.level).toBe(30)
    expect(line?.msg).toBe('GET "/items/:id" 200')
    expect(line?.reqId).toBe('log-1')
    expect(line?.httpRequest).toEqual({
      status: 200,
      requestMethod: 'GET',
      route: '/items/:id',
      requestUrl: '/items/7?q=1',
      remoteIp: '127.0.0.1',
      userAgent: 'probe/1.0',
      responseSize: Number(res.headers['content-length']),
      latency: expect.stringMatching(/^\d+\.\d{4}s$/),
      etag: res.headers.etag,
    })
  })

  it('logs unknown URLs by path, with the error body', async (ctx) => {
    const { app, logs } = await buildApp({ routes })
    ctx.onTestFinished(() => app.close())
    await app.inject({ url: '/nowhere?token=x' })
    const [line] = requestLines(logs)
    expect(line?.msg).toBe('GET "/nowhere" 404')
    expect(line?.httpRequest).toMatchObject({
      status: 404,
      route: '/nowhere',
      responseContent: { code: 404, message: 'Not Found' },
    })
    expect(line?.httpRequest).not.toHaveProperty('requestContent')
  })

  it('includes request and response bodies of non-2xx responses, as objects pino can redact', async (ctx) => {
    const { app, logs } = await buildApp({ routes })
    ctx.onTestFinished(() => app.close())
    await app.inject({ method: 'POST', url: '/items', payload: { name: 'x', tags: [1, true, null] } })
    const [line] = requestLines(logs)
    expect(line?.httpRequest).toMatchObject({
      status: 422,
      requestContent: { name: 'x', tags: [1, true, null] },
      responseContent: { code: 422, message: 'rejected 33 chars' },
    })
  })

  it(`clips bodies past about ${CLIP_AT} characters, keeping them objects, and says so`, async (ctx) => {
    const { app, logs } = await buildApp({ routes })
    ctx.onTestFinished(() => app.close())
    await app.inject({ method: 'POST', url: '/items', payload: { name: 'n'.repeat(7000), after: 'a' } })
    const many = Object.fromEntries(Array.from({ length: 2000 }, (_, i) => [`k${i}`, i]))
    await app.inject({ method: 'POST', url: '/items', payload: { list: Array(3000).fill('v'), many } })
    const [long, wide] = requestLines(logs).map(
      (line) => (line.httpRequest as { requestContent: Record<string, unknown> }).requestContent,
    )
    const name = long?.name as string
    expect(name.endsWith('n [clipped]')).toBe(true)
    expect(name.length).toBeLessThanOrEqual(CLIP_AT + ' [clipped]'.length)
    expect(name.length).toBeGreaterThan(CLIP_AT - 20)
    expect(long).toEqual({ name, '[clipped]': '1 more' })
    const list = wide?.list as string[]
    expect(list.length).toBeLessThan(3000)
    expect(list.at(-1)).toMatch(/^\[clipped: \d+ more\]$/)
    expect(wide?.many).toBe(undefined)
    expect(wide?.['[clipped]']).toBe('1 more')
    expect(JSON.stringify(wide).length).toBeLessThan(CLIP_AT * 2)
  })

  it('describes text bodies instead of logging text no field of which can be redacted', async (ctx) => {
    const { app, logs } = await buildApp({ routes })
    ctx.onTestFinished(() => app.close())
    await app.inject({ url: '/long-error' })
    await app.inject({
      method: 'POST',
      url: '/items',
      headers: { 'content-type': 'text/plain' },
      payload: 'nhs_number=9434765919',
    })
    const [text, posted] = requestLines(logs)
    expect(text?.httpRequest).toMatchObject({ responseContent: '[text: 6000 characters]' })
    expect(posted?.httpRequest).toMatchObject({ requestContent: '[text: 21 characters]' })
    expect(JSON.stringify(logs)).not.toContain('9434765919')
  })

  it('logs no bodies in production unless the app or the route asks for them', async (ctx) => {
    const withRoutes = (app: import('fastify').FastifyInstance) => {
      routes(app)
      app.post('/asks', { config: { logBodies: true } }, async (_request, reply) =>
        reply.code(400).send({ code: 400, message: 'asked' }),
      )
    }
    const production = await buildApp({ routes: withRoutes, env: { ENVIRONMENT: 'PRODUCTION' } })
    ctx.onTestFinished(() => production.app.close())
    await production.app.inject({ method: 'POST', url: '/items', payload: { name: 'x' } })
    await production.app.inject({ url: '/nowhere' })
    await production.app.inject({ method: 'POST', url: '/asks', payload: { name: 'y' } })
    const [items, nowhere, asks] = requestLines(production.logs)
    expect(items?.httpRequest).not.toHaveProperty('requestContent')
    expect(items?.httpRequest).not.toHaveProperty('responseContent')
    expect(nowhere?.httpRequest).not.toHaveProperty('responseContent')
    expect(asks?.httpRequest).toMatchObject({
      requestContent: { name: 'y' },
      responseContent: { code: 400, message: 'asked' },
    })

    const app = await buildApp({
      routes,
      env: { ENVIRONMENT: 'PRODUCTION' },
      monitoring: { logBodies: true },
    })
    ctx.onTestFinished(() => app.app.close())
    await app.app.inject({ url: '/nowhere' })
    expect(requestLines(app.logs)[0]?.httpRequest).toMatchObject({ responseContent: { code: 404 } })
  })

  it('logs no bodies for a route that says so, outside production too', async (ctx) => {
    const { app, logs } = await buildApp({
      routes: (a) =>
        a.post('/quiet', { config: { logBodies: false } }, async (_request, reply) =>
          reply.code(409).send({ code: 409, message: 'conflict' }),
        ),
    })
    ctx.onTestFinished(() => app.close())
    await app.inject({ method: 'POST', url: '/quiet', payload: { name: 'x' } })
    const [line] = requestLines(logs)
    expect(line?.httpRequest).toMatchObject({ status: 409 })
    expect(line?.httpRequest).not.toHaveProperty('requestContent')
    expect(line?.httpRequest).not.toHaveProperty('responseContent')
  })

  it('does not include bodies of 2xx responses', async (ctx) => {
    const { app, logs } = await buildApp({ routes })
    ctx.onTestFinished(() => app.close())
    await app.inject({ url: '/items/1' })
    expect(requestLines(logs)[0]?.httpRequest).not.toHaveProperty('responseContent')
    expect(requestLines(logs)[0]?.httpRequest).not.toHaveProperty('requestContent')
  })

  it('adds X- headers, query and path params at debug level, secrets redacted', async (ctx) => {
    const { app, logs } = await buildApp({ routes, logLevel: 'debug' })
    ctx.onTestFinished(() => app.close())
    await app.inject({
      url: '/items/9?q=a',
      headers: { 'x-trace': 't1', 'x-api-key': 'k3y', 'x-auth-token': 'tok', authorization: 'Bearer zzz' },
    })
    const [line] = requestLines(logs)
    expect(line?.httpRequest).toMatchObject({
      requestXHeaders: { 'x-trace': 't1', 'x-api-key': '[REDACTED]', 'x-auth-token': '[REDACTED]' },
      requestQueryParams: { q: 'a' },
      requestPathParams: { id: '9' },
    })
    expect(line?.httpRequest).not.toHaveProperty('requestXHeaders.authorization')
  })

  it('never logs authorization or cookie values', async (ctx) => {
    const { app, logs } = await buildApp({ routes, logLevel: 'trace' })
    ctx.onTestFinished(() => app.close())
    const headers = { authorization: 'Bearer very.secret.jwt', cookie: 'session=cookie-secret' }
    await app.inject({ url: '/items/1', headers })
    await app.inject({ method: 'POST', url: '/items', payload: {}, headers })
    await app.inject({ url: '/nowhere', headers })
    const all = JSON.stringify(logs)
    expect(requestLines(logs)).toHaveLength(3)
    expect(all).not.toContain('very.secret.jwt')
    expect(all).not.toContain('cookie-secret')
  })

  it('skips monitoring routes and can be turned off', async (ctx) => {
    const { app, logs } = await buildApp({ routes, monitoring: { requestLog: false } })
    ctx.onTestFinished(() => app.close())
    await app.inject({ url: '/items/1' })
    await app.inject({ url: '/nowhere' })
    expect(requestLines(logs)).toEqual([])
  })
})

describe('bodySnapshot', () => {
  it('describes what it cannot read or walk instead of throwing or writing it', async () => {
    const { bodySnapshot } = await import('../src/body-snapshot.js')
    const { DEFAULT_REDACTION } = await import('../src/field-redaction.js')
    const throwing = Object.defineProperty({}, 'x', {
      enumerable: true,
      get: () => {
        throw new Error('getter')
      },
    })
    expect(bodySnapshot(throwing, DEFAULT_REDACTION)).toBe('[unreadable]')
    class Patient {
      nhs_number = '9434765919'
    }
    expect(bodySnapshot({ patient: new Patient() }, DEFAULT_REDACTION)).toEqual({ patient: '[Patient]' })
    expect(bodySnapshot(Buffer.from('abc'), DEFAULT_REDACTION)).toBe('[binary: 3 bytes]')
    expect(bodySnapshot(undefined, DEFAULT_REDACTION)).toBeUndefined()
  })
})
