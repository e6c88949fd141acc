import { createHash } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { buildApp, portOf, rawExchange, requestLines } from './helpers.js'

function buildDir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'fbi-monitoring-'))
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text)
  return dir
}

describe('GET /running', () => {
  it('answers { running: true } with no-cache headers and is not logged per request', async (ctx) => {
    const { app, logs } = await buildApp()
    ctx.onTestFinished(() => app.close())
    const res = await app.inject({ url: '/running' })
    expect(res.statusCode).toBe(200)
    expect(res.json()).toEqual({ running: true })
    expect(res.headers['content-type']).toMatch(/^application\/json/)
    expect(res.headers['cache-control']).toBe('no-cache, must-revalidate')
    expect(res.headers.pragma).toBe('no-cache')
    expect(res.headers.expires).toBe('0')
    expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/)
    expect(res.headers.etag).toBeUndefined()
    expect(requestLines(logs)).toEqual([])
  })

  it('does not touch the health checks', async (ctx) => {
    let calls = 0
    const { app } = await buildApp({
      routes: (a) =>
        a.addHealthCheck('db', () => {
          calls++
          throw new Error('down')
        }),
    })
    ctx.onTestFinished(() => app.close())
    expect((await app.inject({ url: '/running' })).statusCode).toBe(200)
    expect(calls).toBe(0)
  })
})

describe('GET /version', () => {
  it('prefers BUILD_NUMBER and GIT_HASH and shows the serviceVersion option', async (ctx) => {
    const dir = buildDir({ 'build-circleci.txt': '99\n', 'build-githash.txt': 'fromfile\n' })
    ctx.onTestFinished(() => rmSync(dir, { recursive: true }))
    const { app } = await buildApp({
      env: { BUILD_NUMBER: '1234', GIT_HASH: '366c204' },
      monitoring: { buildInfoDir: dir, serviceVersion: '2.3.4' },
    })
    ctx.onTestFinished(() => app.close())
    const res = await app.inject({ url: '/version' })
    expect(res.statusCode).toBe(200)
    expect(res.json()).toEqual({ circle: '1234', hash: '366c204', version: '2.3.4' })
    expect(res.headers['cache-control']).toBe('no-cache, must-revalidate')
  })

  it('reads the build files (trimmed) when the variables are unset', async (ctx) => {
    const dir = buildDir({ 'build-circleci.txt': ' 42\n', 'build-githash.txt': 'abc123\n' })
    ctx.onTestFinished(() => rmSync(dir, { recursive: true }))
    const { app } = await buildApp({ monitoring: { buildInfoDir: dir, serviceVersion: '1.0.0' } })
    ctx.onTestFinished(() => app.close())
    expect((await app.inject({ url: '/version' })).json()).toEqual({
      circle: '42',
      hash: 'abc123',
      version: '1.0.0',
    })
  })

  it('says "unknown" when nothing is known, and reads the version from the package.json in the working directory', async (ctx) => {
    const dir = buildDir({})
    ctx.onTestFinished(() => rmSync(dir, { recursive: true }))
    const { app } = await buildApp({ monitoring: { buildInfoDir: dir } })
    ctx.onTestFinished(() => app.close())
    // vitest runs in the repository root, whose package.json has no version.
    const res = await app.inject({ url: '/version' })
    expect(res.json()).toEqual({ circle: 'unknown', hash: 'unknown', version: 'unknown' })
  })
})

describe('GET /debug', () => {
  it('echoes the request headers with their spelling, secrets redacted, outside production', async (ctx) => {
    const { app, logs } = await buildApp({ env: { ENVIRONMENT: 'STAGING' } })
    ctx.onTestFinished(() => app.close())
    const res = await app.inject({
      url: '/debug',
      headers: { 'X-Something': 'some-value', Authorization: 'Bearer abc.def.ghi', Cookie: 'session=s3cret' },
    })
    expect(res.statusCode).toBe(200)
    // inject lowercases header names; over a socket the caller's spelling is kept (rawHeaders).
    const body = Object.fromEntries(
      Object.entries(res.json() as Record<string, string>).map(([k, v]) => [k.toLowerCase(), v]),
    )
    expect(body['x-something']).toBe('some-value')
    expect(body.authorization).toBe('[REDACTED]')
    expect(body.cookie).toBe('[REDACTED]')
    expect(res.body).not.toContain('abc.def.ghi')
    expect(res.body).not.toContain('s3cret')
    expect(requestLines(logs)).toEqual([])
  })

  it('redacts the credentials gateways inject and keeps Object.prototype names as plain keys', async (ctx) => {
    const { app } = await buildApp()
    ctx.onTestFinished(() => app.close())
    await app.listen({ host: '127.0.0.1', port: 0 })
    const secrets = {
      'X-Api-Key': 'k-secret-1',
      'X-Amzn-Oidc-Accesstoken': 'k-secret-2',
      'X-Amzn-Oidc-Data': 'k-secret-3',
      'X-Forwarded-Access-Token': 'k-secret-4',
      'Set-Cookie': 'k-secret-5',
      'Proxy-Authorization': 'k-secret-6',
      'X-Amz-Security-Token': 'k-secret-7',
      'X-Auth-Request-Access-Token': 'k-secret-8',
      'X-Goog-Iap-Jwt-Assertion': 'k-secret-9',
    }
    // Raw bytes: these names cannot be sent from a JavaScript object literal.
    const head = [
      'GET /debug HTTP/1.1',
      'Host: localhost',
      'constructor: c1',
      'toString: t1',
      '__proto__: p1',
      'hasOwnProperty: h1',
      'X-Custom: one',
      'X-Custom: two',
      ...Object.entries(secrets).map(([name, value]) => `${name}: ${value}`),
      'Connection: close',
    ]
    const raw = await rawExchange(portOf(app), `${head.join('\r\n')}\r\n\r\n`)
    expect(raw).toMatch(/^HTTP\/1\.1 200 /)
    const body = JSON.parse(raw.slice(raw.indexOf('\r\n\r\n') + 4))
    expect(Object.getPrototypeOf(body)).toBe(Object.prototype)
    expect(Object.keys(body)).toEqual(
      expect.arrayContaining(['constructor', 'toString', '__proto__', 'hasOwnProperty']),
    )
    expect(Object.getOwnPropertyDescriptor(body, 'constructor')?.value).toBe('c1')
    expect(Object.getOwnPropertyDescriptor(body, 'toString')?.value).toBe('t1')
    expect(Object.getOwnPropertyDescriptor(body, '__proto__')?.value).toBe('p1')
    expect(Object.getOwnPropertyDescriptor(body, 'hasOwnProperty')?.value).toBe('h1')
    expect(body['X-Custom']).toBe('one, two')
    for (const name of Object.keys(secrets)) expect(body[name]).toBe('[REDACTED]')
    expect(raw).not.toContain('k-secret')
  })

  it('is not registered in production', async (ctx) => {
    const { app } = await buildApp({ env: { ENVIRONMENT: 'PRODUCTION' } })
    ctx.onTestFinished(() => app.close())
    const res = await app.inject({ url: '/debug', headers: { 'x-something': 'v' } })
    expect(res.statusCode).toBe(404)
    expect(res.json()).toEqual({ code: 404, message: 'Not Found' })
  })

  it('can be turned off outside production', async (ctx) => {
    const { app } = await buildApp({ monitoring: { debugRoute: false } })
    ctx.onTestFinished(() => app.close())
    expect((await app.inject({ url: '/debug' })).statusCode).toBe(404)
  })
})

describe('monitoring routes', () => {
  it('are marked monitoringRoute, tagged "monitoring" and have a response schema', async (ctx) => {
    const seen: { url: string; config: unknown; tags: unknown; response: unknown }[] = []
    const Fastify = (await import('fastify')).default
    const fbiConfig = (await import('@fbi/config')).default
    const fbiMonitoring = (await import('../src/index.js')).default
    const app = Fastify()
    ctx.onTestFinished(() => app.close())
    app.addHook('onRoute', (route) => {
      const schema = route.schema as { tags?: unknown; response?: unknown } | undefined
      seen.push({ url: route.url, config: route.config, tags: schema?.tags, response: schema?.response })
    })
    await app.register(fbiConfig, {
      env: { ENVIRONMENT: 'TEST', HS_KEY: 'k', PROXY_URL: 'http://localhost' },
    })
    await app.register(fbiMonitoring, { gracefulShutdown: false })
    await app.ready()
    const gets = seen.filter((route) => !route.url.includes('*'))
    expect([...new Set(gets.map((route) => route.url))].sort()).toEqual([
      '/debug',
      '/healthcheck',
      '/healthcheck/live',
      '/healthcheck/ready',
      '/healthcheck/startup',
      '/metrics',
      '/running',
      '/version',
    ])
    const admin = new Set(['/debug', '/metrics', '/version'])
    for (const route of gets) {
      expect(route.config).toEqual(
        admin.has(route.url) ? { monitoringRoute: true, adminRoute: true } : { monitoringRoute: true },
      )
      expect(route.tags).toEqual(['monitoring'])
      expect(route.response).toHaveProperty('200')
    }
  })
})

describe("the probes with compat: 'flask'", () => {
  it("answer /version and /healthcheck in the original's shape", async (ctx) => {
    const { app } = await buildApp({
      env: { BUILD_NUMBER: '1234', GIT_HASH: '366c204' },
      monitoring: { compat: 'flask', serviceVersion: '2.3.4' },
      routes: (a) => a.addHealthCheck('db', async () => 'ok'),
    })
    ctx.onTestFinished(() => app.close())
    expect((await app.inject({ url: '/version' })).json()).toEqual({ circle: '1234', hash: '366c204' })
    const health = (await app.inject({ url: '/healthcheck' })).json()
    expect(Object.keys(health).sort()).toEqual(['hostname', 'results', 'status', 'timestamp'])
    expect(Object.keys(health.results[0]).sort()).toEqual([
      'checker',
      'expires',
      'output',
      'passed',
      'timestamp',
    ])
  })

  it('tag an answer without content too, as Werkzeug hashed the empty body (the 200 to OPTIONS)', async (ctx) => {
    const { app } = await buildApp({
      monitoring: { compat: 'flask' },
      routes: (a) => a.get('/items', async () => ({ items: [] })),
    })
    ctx.onTestFinished(() => app.close())
    const options = await app.inject({ method: 'OPTIONS', url: '/items' })
    expect(options.statusCode).toBe(200)
    expect(options.body).toBe('')
    expect(options.headers.etag).toBe(`"${createHash('sha1').update('').digest('base64')}"`)
    // fbi's own behaviour leaves an empty answer untagged.
    const { app: plain } = await buildApp({ routes: (a) => a.get('/items', async () => ({ items: [] })) })
    ctx.onTestFinished(() => plain.close())
    expect((await plain.inject({ method: 'OPTIONS', url: '/items' })).headers.etag).toBeUndefined()
  })

  it('tag every response as the original did, and answer 304 only to a GET or HEAD with a 2xx', async (ctx) => {
    const { app } = await buildApp({
      monitoring: { compat: 'flask' },
      routes: (a) => {
        a.post('/items', async (_request, reply) => reply.code(201).send({ created: true }))
        a.get('/missing', async (_request, reply) => reply.code(404).send({ code: 404, message: 'gone' }))
      },
    })
    ctx.onTestFinished(() => app.close())
    const running = await app.inject({ url: '/running', headers: { 'if-none-match': '*' } })
    expect(running.statusCode).toBe(304)
    expect(running.headers.etag).toBeDefined()
    for (const url of ['/missing', '/nowhere']) {
      const res = await app.inject({ url, headers: { 'if-none-match': '*' } })
      expect(res.statusCode).toBe(404)
      expect(res.headers.etag).toBeDefined()
    }
    const post = await app.inject({
      method: 'POST',
      url: '/items',
      payload: {},
      headers: { 'if-none-match': '*' },
    })
    expect(post.statusCode).toBe(201)
    expect(post.headers.etag).toBeDefined()
  })
})
