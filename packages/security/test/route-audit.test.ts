import fbiConfig from '@fbi/config'
import Fastify, { type FastifyInstance } from 'fastify'
import { describe, expect, it } from 'vitest'
import fbiSecurity, {
  FBI_SECURITY_UNPROTECTED_ROUTES,
  type FbiSecurityOptions,
  keyPresent,
  publicRoute,
} from '../src/index.js'
import { BASE_ENV, bearer, internalToken } from './helpers.js'

/*
 * requireProtection sees every route of the router, not only those added after the plugin: routes
 * added before it (same context or an earlier sibling plugin) are never verified, so they fail
 * startup unless named as public, and every route is in protectionReport().
 */

const secret = async () => ({ secret: true })

interface Logged {
  level: number
  msg: string
  routes?: string[]
}

/** config, then `before`, then security with `security`, then `after`; not yet ready. */
async function app(
  before: (app: FastifyInstance) => void,
  security: FbiSecurityOptions,
  after: (app: FastifyInstance) => void = () => {},
  logs?: Logged[],
): Promise<FastifyInstance> {
  const instance = Fastify(
    logs ? { logger: { level: 'warn', stream: { write: (l: string) => logs.push(JSON.parse(l)) } } } : {},
  )
  await instance.register(fbiConfig, { env: BASE_ENV })
  before(instance)
  await instance.register(fbiSecurity, security)
  after(instance)
  return instance
}

async function startupError(instance: FastifyInstance): Promise<Error & { code?: string }> {
  const error = await instance.ready().then(
    () => undefined,
    (e: unknown) => e as Error & { code?: string },
  )
  await instance.close()
  if (error === undefined) throw new TypeError('the app started')
  return error
}

describe('requireProtection over the whole route table', () => {
  it('fails startup for a route added before the plugin in the same context', async () => {
    const instance = await app((a) => a.get('/admin/export', secret), { requireProtection: true })
    const error = await startupError(instance)
    expect(error).toBeInstanceOf(FBI_SECURITY_UNPROTECTED_ROUTES)
    expect(error.message).toContain('GET /admin/export (registered before @fbi/security)')
  })

  it('fails startup for a route of a sibling plugin registered before it, with or without protect', async () => {
    for (const protect of [undefined, keyPresent('admin')]) {
      const instance = await app(
        (a) => a.register(async (sibling) => sibling.get('/sibling', { config: { protect } }, secret)),
        { requireProtection: true },
      )
      const error = await startupError(instance)
      expect(error.message).toContain('GET /sibling (registered before @fbi/security)')
      expect(error.message).toContain('HEAD /sibling')
    }
  })

  it('names only what is unprotected, and accepts routes named in publicRoutes', async (ctx) => {
    const instance = await app(
      (a) => {
        a.get('/health', secret)
        a.register(async (s) => {
          s.get('/assets/app.js', secret)
          s.get('/assets/*', secret)
          s.post('/hook', secret)
        })
      },
      { requireProtection: true, publicRoutes: ['/health', '/assets/*', 'POST /hook'] },
      (a) => {
        a.get('/p', { config: { protect: keyPresent('patient_id') } }, secret)
        a.get('/pub', { config: { protect: publicRoute } }, secret)
      },
    )
    ctx.onTestFinished(() => instance.close())
    await instance.ready()
    expect((await instance.inject({ url: '/health' })).statusCode).toBe(200)
    expect((await instance.inject({ url: '/p' })).statusCode).toBe(401)
    const report = instance.protectionReport()
    const line = (method: string, url: string) => report.find((e) => e.method === method && e.url === url)
    expect(line('GET', '/health')).toMatchObject({ protect: null, public: true, seen: false })
    expect(line('POST', '/hook')).toMatchObject({ public: true, seen: false })
    expect(line('GET', '/p')).toMatchObject({ protect: 'keyPresent(patient_id)', public: false, seen: true })
    expect(line('GET', '/pub')).toMatchObject({ protect: 'publicRoute', public: true, seen: true })
    // Every route of the router is in the report, once per method.
    const keys = report.map((e) => `${e.method} ${e.url}`).sort()
    expect(keys).toEqual(
      [
        'GET /health',
        'HEAD /health',
        'GET /assets/app.js',
        'HEAD /assets/app.js',
        'GET /assets/*',
        'HEAD /assets/*',
        'POST /hook',
        'GET /p',
        'HEAD /p',
        'GET /pub',
        'HEAD /pub',
      ].sort(),
    )
  })

  it('a method-specific publicRoutes entry covers only that method', async () => {
    const instance = await app((a) => a.route({ method: ['GET', 'POST'], url: '/x', handler: secret }), {
      requireProtection: true,
      publicRoutes: ['GET /x', 'HEAD /x'],
    })
    const error = await startupError(instance)
    expect(error.message).toContain('POST /x')
    expect(error.message).not.toContain('GET /x')
  })

  it('without requireProtection: starts, warns naming the routes out of reach, and reports them', async (ctx) => {
    const logs: Logged[] = []
    const instance = await app(
      (a) => a.register(async (s) => s.get('/early', { config: { protect: keyPresent('x') } }, secret)),
      {},
      (a) => a.get('/late', { config: { protect: keyPresent('x') } }, secret),
      logs,
    )
    ctx.onTestFinished(() => instance.close())
    await instance.ready()
    const warning = logs.find((l) => l.msg.startsWith('Routes registered before @fbi/security'))
    expect(warning?.routes).toEqual([
      'GET /early (registered before @fbi/security)',
      'HEAD /early (registered before @fbi/security)',
    ])
    expect(instance.protectionReport().filter((e) => !e.seen)).toHaveLength(2)
    expect((await instance.inject({ url: '/late' })).statusCode).toBe(401)
  })

  it('routes seen by onRoute are matched with the table under router options that reshape paths', async (ctx) => {
    for (const routerOptions of [{ caseSensitive: false }, { ignoreTrailingSlash: true }, {}]) {
      const instance = Fastify({ routerOptions })
      ctx.onTestFinished(() => instance.close())
      await instance.register(fbiConfig, { env: BASE_ENV })
      await instance.register(fbiSecurity, { requireProtection: true })
      instance.get('/Admin/Export', { config: { protect: keyPresent('x') } }, secret)
      instance.get('/e/::colon/:id', { config: { protect: keyPresent('x') } }, secret)
      instance.register(
        async (c) => {
          c.get('/', { config: { protect: keyPresent('x') } }, secret)
          c.get('/v', { config: { protect: keyPresent('x') }, constraints: { version: '1.0.0' } }, secret)
        },
        { prefix: '/pre' },
      )
      await instance.ready()
      expect(instance.protectionReport().every((e) => e.seen)).toBe(true)
    }
  })

  it('a token does not open a route that was never verified', async (ctx) => {
    const instance = await app((a) => a.register(async (s) => s.get('/sibling', secret)), {})
    ctx.onTestFinished(() => instance.close())
    await instance.ready()
    // Served as any route without protect is: the report and the warning are what flag it.
    const res = await instance.inject({ url: '/sibling', headers: bearer(internalToken()) })
    expect(res.statusCode).toBe(200)
    expect(instance.protectionReport()).toContainEqual(
      expect.objectContaining({ method: 'GET', url: '/sibling', seen: false }),
    )
  })
})
