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
      responseContent: JSON.stringify({ code: 404, message: 'Not Found' }),
      requestContent: '',
    })
  })

  it('includes request and response bodies of non-2xx responses', async (ctx) => {
    const { app, logs } = await buildApp({ routes })
    ctx.onTestFinished(() => app.close())
    await app.inject({ method: 'POST', url: '/items', payload: { name: 'x' } })
    const [line] = requestLines(logs)
    expect(line?.httpRequest).toMatchObject({
      status: 422,
      requestContent: '{"name":"x"}',
      responseContent: '{"code":422,"message":"rejected 12 chars"}',
    })
  })

  it(`clips bodies longer than ${CLIP_AT} characters and says so`, async (ctx) => {
    const { app, logs } = await buildApp({ routes })
    ctx.onTestFinished(() => app.close())
    await app.inject({ method: 'POST', url: '/items', payload: { name: 'n'.repeat(7000) } })
    await app.inject({ url: '/long-error' })
    const [post, get] = requestLines(logs)
    const postRequest = (post?.httpRequest as { requestContent?: string } | undefined)?.requestContent ?? ''
    expect(postRequest).toHaveLength(CLIP_AT + ' [clipped]'.length)
    expect(postRequest.endsWith('n [clipped]')).toBe(true)
    expect(postRequest.startsWith('{"name":"nnn')).toBe(true)
    const getResponse = (get?.httpRequest as { responseContent?: string } | undefined)?.responseContent
    expect(getResponse).toBe(`${'e'.repeat(CLIP_AT)} [clipped]`)
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
