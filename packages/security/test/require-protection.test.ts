import fbiConfig from '@fbi/config'
import Fastify from 'fastify'
import { describe, expect, it } from 'vitest'
import fbiSecurity, {
  and,
  FBI_SECURITY_INVALID_PROTECT,
  FBI_SECURITY_UNPROTECTED_ROUTES,
  keyPresent,
  matchKeys,
  publicRoute,
  scopesPresent,
} from '../src/index.js'
import { BASE_ENV, bearer, buildApp, internalToken } from './helpers.js'

describe('routes without protect', () => {
  it('are not touched: no token asked for, claims left null', async (ctx) => {
    const app = await buildApp({
      routes: (a) => a.get('/open', async (r) => ({ claims: r.jwtClaims ?? null })),
    })
    ctx.onTestFinished(() => app.close())
    const res = await app.inject({ url: '/open', headers: { authorization: 'Bearer garbage' } })
    expect(res.statusCode).toBe(200)
    expect(res.json()).toEqual({ claims: null })
  })

  it('publicRoute needs no token either', async (ctx) => {
    const app = await buildApp({
      routes: (a) => a.get('/pub', { config: { protect: publicRoute } }, async () => ({ ok: true })),
    })
    ctx.onTestFinished(() => app.close())
    expect((await app.inject({ url: '/pub' })).statusCode).toBe(200)
  })

  it('a protect value that is not a function fails at route definition', async () => {
    await expect(
      buildApp({ routes: (a) => a.get('/x', { config: { protect: 'scopes' as never } }, async () => ({})) }),
    ).rejects.toThrow(FBI_SECURITY_INVALID_PROTECT)
  })
})

describe('requireProtection', () => {
  it('fails startup naming every unprotected route', async () => {
    const error = await buildApp({
      security: { requireProtection: true },
      routes: (a) => {
        a.get('/a', async () => ({}))
        a.post('/b', async () => ({}))
        a.get('/c', { config: { protect: keyPresent('x') } }, async () => ({}))
      },
    }).then(
      () => undefined,
      (e: unknown) => e as Error & { code?: string },
    )
    expect(error?.code).toBe('FBI_SECURITY_UNPROTECTED_ROUTES')
    expect(error).toBeInstanceOf(FBI_SECURITY_UNPROTECTED_ROUTES)
    expect(error?.message).toContain('GET /a')
    expect(error?.message).toContain('POST /b')
    expect(error?.message).not.toContain('/c')
  })

  it('does not exempt a route that calls itself a monitoring route: only what a battery announces is', async () => {
    const error = await buildApp({
      security: { requireProtection: true },
      routes: (a) => {
        a.get('/running', { config: { monitoringRoute: true } as never }, async () => ({ ok: true }))
      },
    }).then(
      () => undefined,
      (e: unknown) => e as Error,
    )
    expect(error).toBeInstanceOf(FBI_SECURITY_UNPROTECTED_ROUTES)
    expect(error?.message).toContain('GET /running')
  })

  it('exempts publicRoute', async (ctx) => {
    const app = await buildApp({
      security: { requireProtection: true },
      routes: (a) => {
        a.get('/docs', { config: { protect: publicRoute } }, async () => ({}))
        a.get(
          '/p/:patient_id',
          { config: { protect: and(scopesPresent('read:p'), matchKeys({ patient_id: 'patient_id' })) } },
          async () => ({}),
        )
      },
    })
    ctx.onTestFinished(() => app.close())
    expect((await app.inject({ url: '/docs' })).statusCode).toBe(200)
    expect((await app.inject({ url: '/p/1' })).statusCode).toBe(401)
    const ok = await app.inject({
      url: '/p/p1',
      headers: bearer(internalToken({ scope: 'read:p', metadata: { patient_id: 'p1' } })),
    })
    expect(ok.statusCode).toBe(200)
  })
})

describe('protectionReport', () => {
  it('lists every route with its predicate', async (ctx) => {
    const app = await buildApp({
      routes: (a) => {
        a.get('/open', { exposeHeadRoute: false }, async () => ({}))
        a.get('/docs', { exposeHeadRoute: false, config: { protect: publicRoute } }, async () => ({}))
        a.post(
          '/p/:patient_id',
          { config: { protect: and(scopesPresent('write:p'), matchKeys({ patient_id: 'patient_id' })) } },
          async () => ({}),
        )
      },
    })
    ctx.onTestFinished(() => app.close())
    expect(app.protectionReport()).toEqual([
      {
        method: 'GET',
        url: '/open',
        protect: null,
        requiredScopes: [],
        public: false,
        monitoringRoute: false,
        adminRoute: false,
        seen: true,
      },
      {
        method: 'GET',
        url: '/docs',
        protect: 'publicRoute',
        requiredScopes: [],
        public: true,
        monitoringRoute: false,
        adminRoute: false,
        seen: true,
      },
      {
        method: 'POST',
        url: '/p/:patient_id',
        protect: 'and(scopesPresent(write:p), matchKeys(patient_id))',
        requiredScopes: ['write:p'],
        public: false,
        monitoringRoute: false,
        adminRoute: false,
        seen: true,
      },
    ])
  })
})

describe('registration order', () => {
  it('refuses (500) a protected route added before the plugin, instead of serving it unprotected', async (ctx) => {
    const logs: Record<string, unknown>[] = []
    const app = Fastify({
      logger: { level: 'error', stream: { write: (l: string) => logs.push(JSON.parse(l)) } },
    })
    ctx.onTestFinished(() => app.close())
    await app.register(fbiConfig, { env: BASE_ENV })
    app.get('/early', { config: { protect: keyPresent('patient_id') } }, async () => ({ secret: true }))
    app.get('/early-open', async () => ({ open: true }))
    await app.register(fbiSecurity)
    app.get('/late', { config: { protect: keyPresent('patient_id') } }, async () => ({ secret: true }))
    await app.ready()
    const early = await app.inject({
      url: '/early',
      headers: bearer(internalToken({ metadata: { patient_id: 'p' } })),
    })
    expect(early.statusCode).toBe(500)
    expect(early.json()).toEqual({ code: 500, message: 'Internal Server Error' })
    expect(logs.some((l) => String(l.msg).includes('@fbi/security never compiled it'))).toBe(true)
    expect((await app.inject({ url: '/early-open' })).statusCode).toBe(200)
    expect((await app.inject({ url: '/late' })).statusCode).toBe(401)
    const late = await app.inject({
      url: '/late',
      headers: bearer(internalToken({ metadata: { patient_id: 'p' } })),
    })
    expect(late.statusCode).toBe(200)
  })
})
