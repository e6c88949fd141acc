import fbiConfig from '@fbi/config'
import fbiMonitoring from '@fbi/monitoring'
import fbiSchema from '@fbi/schema'
import fbiSecurity, { type FbiSecurityOptions, keyPresent } from '@fbi/security'
import { TestJwksServer } from '@fbi/security/testing'
import Fastify, { type FastifyInstance } from 'fastify'
import { describe, expect, it } from 'vitest'
import fbiAll, { fbiServerOptions } from '../src/index.js'
import { ENV } from './helpers.js'
import { auth0Env } from './security-kit.js'

/*
 * requireProtection over a whole @fbi/all app: the monitoring endpoints and the OpenAPI routes are
 * registered before @fbi/security, out of its onRoute hook's reach; they are accounted for by what
 * @fbi/monitoring and @fbi/schema announce (no path list written twice), and every route is in
 * protectionReport(), the admin routes with what guards them.
 */

const TOKEN = 't'.repeat(40)

async function allApp(
  security: FbiSecurityOptions,
  routes: (app: FastifyInstance) => void,
  env: Record<string, string> = {},
): Promise<FastifyInstance> {
  const app = Fastify({ ...fbiServerOptions() })
  await app.register(fbiAll, {
    env: { ...ENV, ...env },
    monitoring: { gracefulShutdown: false, processMetrics: false, requestLog: false },
    db: false,
    security,
  })
  routes(app)
  return app
}

describe('requireProtection in an @fbi/all app', () => {
  it('starts with protected routes; the batteries’ routes are public by name, and every route is reported', async (ctx) => {
    const app = await allApp({ requireProtection: true }, (a) =>
      a.get('/p/:patient_id', { config: { protect: keyPresent('patient_id') } }, async () => ({})),
    )
    ctx.onTestFinished(() => app.close())
    await app.ready()
    const report = app.protectionReport()
    const urls = new Set(report.map((e) => e.url))
    for (const url of [
      '/running',
      '/version',
      '/healthcheck',
      '/metrics',
      '/docs',
      '/docs/json',
      '/p/:patient_id',
    ]) {
      expect(urls).toContain(url)
    }
    const running = report.find((e) => e.method === 'GET' && e.url === '/running')
    expect(running).toMatchObject({ public: true, monitoringRoute: true, adminRoute: false, seen: false })
    // Nothing guards the admin routes here (no ADMIN_PORT, no ADMIN_TOKEN): the report says so.
    const metrics = report.find((e) => e.method === 'GET' && e.url === '/metrics')
    expect(metrics).toMatchObject({ protect: null, public: true, monitoringRoute: true, adminRoute: true })
    const docs = report.find((e) => e.method === 'GET' && e.url === '/docs/json')
    expect(docs).toMatchObject({
      protect: null,
      public: true,
      monitoringRoute: false,
      adminRoute: true,
      seen: false,
    })
    expect(report.find((e) => e.method === 'GET' && e.url === '/p/:patient_id')).toMatchObject({
      protect: 'keyPresent(patient_id)',
      seen: true,
    })
    expect((await app.inject({ url: '/p/1' })).statusCode).toBe(401)
    expect((await app.inject({ url: '/running' })).statusCode).toBe(200)
  })

  it('fails startup naming a route without protect; publicRoutes names other routes only', async () => {
    const open = await allApp({ requireProtection: true }, (a) => a.get('/open', async () => ({})))
    await expect(open.ready()).rejects.toThrow(/GET \/open/)
    await open.close()
    const strict = await allApp({ requireProtection: true, publicRoutes: [] }, () => {})
    await strict.ready()
    await strict.close()
    const named = await allApp({ requireProtection: true, publicRoutes: ['GET /open'] }, (a) =>
      a.get('/open', { exposeHeadRoute: false }, async () => ({})),
    )
    await named.ready()
    expect(named.protectionReport().find((e) => e.url === '/open')).toMatchObject({
      public: true,
      adminRoute: false,
    })
    await named.close()
  })

  it("does not take a route of the service's own for a battery's route that differs by a trailing slash", async () => {
    for (const url of ['/running/', '/metrics/', '/docs/json/']) {
      const app = await allApp({ requireProtection: true }, (a) => a.get(url, async () => ({ mine: true })))
      await expect(app.ready(), url).rejects.toThrow(`GET ${url}`)
      await app.close()
    }
    // The UI's own twin at /docs/ is the battery's (announced by @fbi/schema), not an unprotected route.
    const app = await allApp({ requireProtection: true }, () => {})
    await app.ready()
    expect(app.protectionReport().find((e) => e.method === 'GET' && e.url === '/docs/')).toMatchObject({
      public: true,
      adminRoute: true,
    })
    await app.close()
  })

  it('reports the admin routes guarded, with what guards them, when ADMIN_TOKEN is set', async (ctx) => {
    const app = await allApp({ requireProtection: true }, () => {}, { ADMIN_TOKEN: TOKEN })
    ctx.onTestFinished(() => app.close())
    await app.ready()
    const report = app.protectionReport()
    for (const url of ['/metrics', '/version', '/debug', '/docs', '/docs/json', '/docs/static/*']) {
      expect(report.find((e) => e.method === 'GET' && e.url === url)).toMatchObject({
        protect: 'admin guard: the admin bearer token',
        public: false,
        adminRoute: true,
      })
    }
    for (const url of ['/running', '/healthcheck', '/healthcheck/ready']) {
      expect(report.find((e) => e.method === 'GET' && e.url === url)).toMatchObject({
        public: true,
        adminRoute: false,
      })
    }
    expect((await app.inject({ url: '/docs/json' })).statusCode).toBe(401)
    const docs = await app.inject({ url: '/docs/json', headers: { authorization: `Bearer ${TOKEN}` } })
    expect(docs.statusCode).toBe(200)
    expect(docs.json().openapi).toBe('3.1.0')
  })
})

describe('@fbi/security registered before @fbi/monitoring and @fbi/schema', () => {
  it('sees their routes (config.monitoringRoute read), and still wires the jwks health check and metrics', async (ctx) => {
    const provider = await TestJwksServer.start({ algorithms: ['RS256'] })
    ctx.onTestFinished(() => provider.stop())
    const app = Fastify()
    ctx.onTestFinished(() => app.close())
    await app.register(fbiConfig, {
      env: { ...ENV, ...auth0Env(provider, 'https://api/', 'https://x/metadata') },
      auth0: true,
    })
    await app.register(fbiSecurity, { requireProtection: true })
    await app.register(fbiSchema, { openapi: {} })
    await app.register(fbiMonitoring, { gracefulShutdown: false, processMetrics: false, requestLog: false })
    await app.ready()
    const report = app.protectionReport()
    const running = report.find((e) => e.method === 'GET' && e.url === '/running')
    expect(running).toMatchObject({ monitoringRoute: true, public: true, seen: true })
    expect(report.find((e) => e.method === 'GET' && e.url === '/metrics')).toMatchObject({
      monitoringRoute: true,
      adminRoute: true,
      seen: true,
    })
    expect(report.find((e) => e.method === 'GET' && e.url === '/docs/json')).toMatchObject({
      adminRoute: true,
      seen: true,
    })
    const health = await app.inject({ url: '/healthcheck' })
    expect(health.json().results.map((r: { checker: string }) => r.checker)).toContain('jwks')
    const metrics = await app.inject({ url: '/metrics' })
    expect(metrics.body).toContain('fbi_jwks_fetches_total')
  })
})
