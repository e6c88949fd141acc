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
 * registered before @fbi/security, out of its onRoute hook's reach; they are accounted for by name
 * (the `publicRoutes` default) and every route is in protectionReport().
 */

async function allApp(
  security: FbiSecurityOptions,
  routes: (app: FastifyInstance) => void,
): Promise<FastifyInstance> {
  const app = Fastify({ ...fbiServerOptions() })
  await app.register(fbiAll, {
    env: ENV,
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
    expect(running).toMatchObject({ public: true, monitoringRoute: true, seen: false })
    const docs = report.find((e) => e.method === 'GET' && e.url === '/docs/json')
    expect(docs).toMatchObject({ public: true, monitoringRoute: false, seen: false })
    expect(report.find((e) => e.method === 'GET' && e.url === '/p/:patient_id')).toMatchObject({
      protect: 'keyPresent(patient_id)',
      seen: true,
    })
    expect((await app.inject({ url: '/p/1' })).statusCode).toBe(401)
    expect((await app.inject({ url: '/running' })).statusCode).toBe(200)
  })

  it('fails startup naming a route without protect, and, with publicRoutes: [], the batteries’ routes too', async () => {
    const open = await allApp({ requireProtection: true }, (a) => a.get('/open', async () => ({})))
    await expect(open.ready()).rejects.toThrow(/GET \/open/)
    await open.close()
    const strict = await allApp({ requireProtection: true, publicRoutes: [] }, () => {})
    const error = await strict.ready().then(
      () => undefined,
      (e: Error & { code?: string }) => e,
    )
    await strict.close()
    expect(error?.code).toBe('FBI_SECURITY_UNPROTECTED_ROUTES')
    expect(error?.message).toContain('GET /running (registered before @fbi/security)')
    expect(error?.message).toContain('GET /docs/json (registered before @fbi/security)')
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
    await app.register(fbiSecurity, { requireProtection: true, publicRoutes: ['/docs', '/docs/*'] })
    await app.register(fbiSchema, { openapi: {} })
    await app.register(fbiMonitoring, { gracefulShutdown: false, processMetrics: false, requestLog: false })
    await app.ready()
    const running = app.protectionReport().find((e) => e.method === 'GET' && e.url === '/running')
    expect(running).toMatchObject({ monitoringRoute: true, seen: true })
    const health = await app.inject({ url: '/healthcheck' })
    expect(health.json().results.map((r: { checker: string }) => r.checker)).toContain('jwks')
    const metrics = await app.inject({ url: '/metrics' })
    expect(metrics.body).toContain('fbi_jwks_fetches_total')
  })
})
