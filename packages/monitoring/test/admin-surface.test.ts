import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { describe, expect, it, type TestContext } from 'vitest'
import { MIN_ADMIN_TOKEN_LENGTH, SERVER_LIMITS } from '../src/index.js'
import { type BuildOptions, buildApp, portOf, rawExchange } from './helpers.js'

const TOKEN = 'a'.repeat(MIN_ADMIN_TOKEN_LENGTH)

const routes = (app: import('fastify').FastifyInstance) => {
  app.get('/items/:id', async () => ({ item: true }))
  app.addHealthCheck('database', () => 'db-primary.internal:5432 ok')
}

async function listening(ctx: TestContext, opts: BuildOptions) {
  const built = await buildApp({ routes, ...opts })
  ctx.onTestFinished(() => built.app.close())
  await built.app.listen({ port: 0, host: '127.0.0.1' })
  const admin = built.app.adminServer
  if (admin === null) throw new TypeError('no admin listener')
  const main = `http://127.0.0.1:${portOf(built.app)}`
  const adminUrl = `http://127.0.0.1:${(admin.address() as AddressInfo).port}`
  return { ...built, main, admin: adminUrl }
}

async function get(url: string, headers: Record<string, string> = {}) {
  const res = await fetch(url, { headers })
  return { status: res.status, body: await res.text(), headers: res.headers }
}

describe('the admin port (real HTTP)', () => {
  it('serves the admin routes only on the admin port, the probes on both, the API only on the service port', async (ctx) => {
    const { main, admin } = await listening(ctx, { monitoring: { admin: { port: 0, host: '127.0.0.1' } } })
    for (const path of ['/metrics', '/version', '/debug']) {
      const off = await get(`${main}${path}`)
      expect(off.status).toBe(404)
      expect(JSON.parse(off.body)).toEqual({ code: 404, message: 'Not Found' })
      expect((await get(`${admin}${path}`)).status).toBe(200)
    }
    for (const path of ['/running', '/healthcheck', '/healthcheck/ready']) {
      expect((await get(`${main}${path}`)).status).toBe(200)
      expect((await get(`${admin}${path}`)).status).toBe(200)
    }
    expect((await get(`${main}/items/1`)).status).toBe(200)
    const api = await get(`${admin}/items/1`)
    expect(api.status).toBe(404)
    expect(JSON.parse(api.body)).toEqual({ code: 404, message: 'Not Found' })
    expect((await get(`${admin}/nowhere`)).status).toBe(404)
    const metrics = await get(`${admin}/metrics`)
    expect(metrics.body).toContain('http_requests_total{method="GET",route="/items/:id",status_code="200"} 1')
    expect(metrics.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/)
  })

  it('shows the health checks to the admin port only, with healthDetails: status', async (ctx) => {
    const { main, admin } = await listening(ctx, {
      monitoring: { healthDetails: 'status', admin: { port: 0, host: '127.0.0.1' } },
    })
    expect(JSON.parse((await get(`${main}/healthcheck/ready`)).body)).toEqual({ status: 'success' })
    const full = JSON.parse((await get(`${admin}/healthcheck/ready`)).body)
    expect(full.results).toMatchObject([{ checker: 'database', output: 'db-primary.internal:5432 ok' }])
  })

  it('has the safe server timeouts and answers a broken request in the one error shape', async (ctx) => {
    const { app } = await listening(ctx, { monitoring: { admin: { port: 0, host: '127.0.0.1' } } })
    const server = app.adminServer
    if (server === null) throw new TypeError('no admin listener')
    expect({
      requestTimeout: server.requestTimeout,
      headersTimeout: server.headersTimeout,
      keepAliveTimeout: server.keepAliveTimeout,
      maxRequestsPerSocket: server.maxRequestsPerSocket,
    }).toEqual({
      requestTimeout: SERVER_LIMITS.requestTimeout,
      headersTimeout: SERVER_LIMITS.headersTimeout,
      keepAliveTimeout: SERVER_LIMITS.keepAliveTimeout,
      maxRequestsPerSocket: SERVER_LIMITS.maxRequestsPerSocket,
    })
    const port = (server.address() as AddressInfo).port
    const answer = await rawExchange(
      port,
      'GET /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n',
    )
    expect(answer).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/)
    expect(answer.endsWith('{"code":400,"message":"Bad Request"}')).toBe(true)
    const big = await rawExchange(
      port,
      `GET /metrics HTTP/1.1\r\nHost: x\r\nX-Big: ${'b'.repeat(SERVER_LIMITS.maxHeaderSize)}\r\n\r\n`,
    )
    expect(big).toMatch(/^HTTP\/1\.1 431 /)
  })

  it('is closed with the app', async (ctx) => {
    const { app, admin } = await listening(ctx, { monitoring: { admin: { port: 0, host: '127.0.0.1' } } })
    // A kept-alive connection does not hold the close open.
    expect((await get(`${admin}/running`)).status).toBe(200)
    await app.close()
    expect(app.adminServer).toBeNull()
    await expect(fetch(`${admin}/running`)).rejects.toThrow()
  })

  it('fails the start when the admin port is taken', async (ctx) => {
    const taken = createServer()
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve))
    ctx.onTestFinished(() => new Promise<void>((resolve) => taken.close(() => resolve())))
    const port = (taken.address() as AddressInfo).port
    await expect(buildApp({ monitoring: { admin: { port, host: '127.0.0.1' } } })).rejects.toMatchObject({
      code: 'EADDRINUSE',
    })
  })

  it('reads ADMIN_PORT', async (ctx) => {
    const free = createServer()
    await new Promise<void>((resolve) => free.listen(0, '127.0.0.1', resolve))
    const port = (free.address() as AddressInfo).port
    await new Promise<void>((resolve) => free.close(() => resolve()))
    const { app } = await buildApp({ env: { ADMIN_PORT: String(port), LISTEN_ADDRESS: '127.0.0.1' } })
    ctx.onTestFinished(() => app.close())
    expect((app.adminServer?.address() as AddressInfo | undefined)?.port).toBe(port)
    expect((await app.inject({ url: '/metrics' })).statusCode).toBe(404)
  })
})

describe('the admin token', () => {
  const withToken = { monitoring: { admin: { token: TOKEN }, healthDetails: 'status' as const } }

  it('asks the admin routes for it, compared whole, and leaves the probes open', async (ctx) => {
    const { app } = await buildApp({ routes, ...withToken })
    ctx.onTestFinished(() => app.close())
    for (const url of ['/metrics', '/version', '/debug']) {
      for (const authorization of [
        undefined,
        `Bearer ${TOKEN.slice(1)}`,
        `Bearer ${TOKEN}x`,
        TOKEN,
        `Basic ${TOKEN}`,
      ]) {
        const res = await app.inject({ url, headers: authorization === undefined ? {} : { authorization } })
        expect(res.statusCode).toBe(401)
        expect(res.json()).toEqual({ code: 401, message: 'Unauthorized' })
        expect(res.headers['www-authenticate']).toBe('Bearer')
      }
      expect((await app.inject({ url, headers: { authorization: `Bearer ${TOKEN}` } })).statusCode).toBe(200)
      expect((await app.inject({ url, headers: { authorization: `bearer ${TOKEN}` } })).statusCode).toBe(200)
    }
    expect((await app.inject({ url: '/running' })).statusCode).toBe(200)
    expect((await app.inject({ url: '/items/1' })).statusCode).toBe(200)
  })

  it('shows the health checks to a caller with the token only, with healthDetails: status', async (ctx) => {
    const { app } = await buildApp({ routes, ...withToken })
    ctx.onTestFinished(() => app.close())
    expect((await app.inject({ url: '/healthcheck' })).json()).toEqual({ status: 'success' })
    const full = await app.inject({ url: '/healthcheck', headers: { authorization: `Bearer ${TOKEN}` } })
    expect(full.json().results).toMatchObject([{ checker: 'database' }])
  })

  it('reads ADMIN_TOKEN, and refuses one too short to guard anything', async (ctx) => {
    const { app } = await buildApp({ env: { ADMIN_TOKEN: TOKEN } })
    ctx.onTestFinished(() => app.close())
    expect((await app.inject({ url: '/metrics' })).statusCode).toBe(401)
    await expect(buildApp({ env: { ADMIN_TOKEN: 'short' } })).rejects.toThrow(
      "Invalid @fbi/monitoring option 'admin.token': must be at least 32 characters (ADMIN_TOKEN)",
    )
    await expect(buildApp({ monitoring: { admin: { port: 70_000 } } })).rejects.toThrow(
      "Invalid @fbi/monitoring option 'admin.port': must be an integer from 0 to 65535",
    )
  })
})

describe('the admin surface, described', () => {
  it('announces every route it adds, admin routes marked, and what guards them', async (ctx) => {
    const { app } = await buildApp({ monitoring: { admin: { token: TOKEN } } })
    ctx.onTestFinished(() => app.close())
    const announced = app.monitoringRoutes()
    expect(Object.isFrozen(announced)).toBe(true)
    expect(announced.filter((r) => r.method === 'GET').map((r) => [r.url, r.admin])).toEqual([
      ['/running', false],
      ['/healthcheck', false],
      ['/healthcheck/live', false],
      ['/healthcheck/ready', false],
      ['/healthcheck/startup', false],
      ['/version', true],
      ['/metrics', true],
      ['/debug', true],
    ])
    expect(announced.some((r) => r.method === 'HEAD' && r.url === '/metrics' && r.admin)).toBe(true)
    expect(app.adminGuard.description).toBe('the admin bearer token')
  })

  it('warns once in production when nothing guards the admin routes', async (ctx) => {
    const open = await buildApp({ env: { ENVIRONMENT: 'PRODUCTION' } })
    ctx.onTestFinished(() => open.app.close())
    const warnings = open.logs.filter((line) => line.msg.startsWith('The admin routes answer anyone'))
    expect(warnings).toHaveLength(1)
    expect(warnings[0]?.routes).toEqual(['/version', '/metrics'])
    const guarded = await buildApp({ env: { ENVIRONMENT: 'PRODUCTION', ADMIN_TOKEN: TOKEN } })
    ctx.onTestFinished(() => guarded.app.close())
    expect(guarded.logs.filter((line) => line.msg.startsWith('The admin routes'))).toEqual([])
  })
})
