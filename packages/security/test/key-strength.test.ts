import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { keyPresent, scopesPresent } from '../src/index.js'
import { type HsAlgorithm, mintHsToken, TestJwksServer } from '../src/testing/index.js'
import { auth0Env, bearer, buildApp, INTERNAL, INVALID_TOKEN, UNAUTHORIZED } from './helpers.js'

/** A key of exactly `bytes` UTF-8 bytes. */
function keyOf(bytes: number): string {
  return 'Zq7-secret-'.repeat(7).slice(0, bytes)
}

const route = (app: FastifyInstance) =>
  app.get('/p', { config: { protect: keyPresent('patient_id') } }, async () => ({ ok: true }))

function tokenFor(key: string, algorithm: HsAlgorithm, issuer = INTERNAL): string {
  return mintHsToken({ key, issuer, audience: INTERNAL, algorithm, metadata: { patient_id: 'p1' } })
}

async function statusOf(app: FastifyInstance, token: string): Promise<number> {
  const res = await app.inject({ url: '/p', headers: bearer(token) })
  if (res.statusCode === 401) {
    expect(res.json()).toEqual(UNAUTHORIZED)
    expect(res.headers['www-authenticate']).toBe(INVALID_TOKEN)
  }
  return res.statusCode
}

describe('HS key length (RFC 7518 §3.2)', () => {
  it.for([1, 16, 31])('refuses a %i-byte HS_KEY at startup in production', async (bytes) => {
    const error = await buildApp({
      env: { ENVIRONMENT: 'PRODUCTION', HS_KEY: keyOf(bytes) },
      routes: route,
    }).catch((e: unknown) => e)
    expect(error).toMatchObject({
      code: 'FBI_SECURITY_WEAK_HS_KEY',
      statusCode: 500,
      message: expect.stringContaining(`is ${bytes} bytes`),
    })
    // The key itself never appears in the error.
    if (bytes > 4) expect(String((error as Error).message)).not.toContain(keyOf(bytes))
  })

  it('counts UTF-8 bytes, not characters', async () => {
    // 16 characters, 32 bytes: long enough for HS256.
    const app = await buildApp({ env: { ENVIRONMENT: 'PRODUCTION', HS_KEY: 'é'.repeat(16) }, routes: route })
    await app.close()
    await expect(
      buildApp({ env: { ENVIRONMENT: 'PRODUCTION', HS_KEY: 'é'.repeat(15) }, routes: route }),
    ).rejects.toMatchObject({ code: 'FBI_SECURITY_WEAK_HS_KEY' })
  })

  it('refuses a short key of any HS issuer in production (custom-DB login, EPR, extra issuers)', async () => {
    const strong = keyOf(64)
    await expect(
      buildApp({
        env: {
          ENVIRONMENT: 'PRODUCTION',
          HS_KEY: strong,
          AUTH0_CUSTOM_DOMAIN: 'https://login.example.com/',
          AUTH0_HS_KEY: keyOf(20),
        },
        groups: { customAuth0: true },
      }),
    ).rejects.toMatchObject({
      code: 'FBI_SECURITY_WEAK_HS_KEY',
      message: expect.stringContaining('login.example.com'),
    })
    await expect(
      buildApp({
        env: {
          ENVIRONMENT: 'PRODUCTION',
          HS_KEY: strong,
          EPR_SERVICE_ADAPTER_ISSUER: 'http://epr/',
          EPR_SERVICE_ADAPTER_HS_KEY: keyOf(8),
        },
        groups: { epr: true },
      }),
    ).rejects.toMatchObject({ code: 'FBI_SECURITY_WEAK_HS_KEY' })
    await expect(
      buildApp({
        env: { ENVIRONMENT: 'PRODUCTION', HS_KEY: strong },
        security: { issuers: [{ issuer: 'http://partner/', kind: 'hs', key: 'short' }] },
      }),
    ).rejects.toMatchObject({
      code: 'FBI_SECURITY_WEAK_HS_KEY',
      message: expect.stringContaining('http://partner/'),
    })
  })

  it('in production verifies with a 32..63-byte key only the algorithms it is long enough for, and says so', async (ctx) => {
    const logs: Record<string, unknown>[] = []
    const key = keyOf(48)
    const app = await buildApp({ env: { ENVIRONMENT: 'PRODUCTION', HS_KEY: key }, routes: route, logs })
    ctx.onTestFinished(() => app.close())
    expect(await statusOf(app, tokenFor(key, 'HS256'))).toBe(200)
    expect(await statusOf(app, tokenFor(key, 'HS384'))).toBe(200)
    expect(await statusOf(app, tokenFor(key, 'HS512'))).toBe(401)
    const warning = logs.find((line) => String(line.msg).startsWith('HS key too short'))
    expect(warning).toMatchObject({ level: 40, issuer: INTERNAL, keyBytes: 48, tooShortFor: ['HS512'] })
    expect(JSON.stringify(logs)).not.toContain(key)
  })

  it('in production accepts every HS algorithm with a 64-byte key, without a warning', async (ctx) => {
    const logs: Record<string, unknown>[] = []
    const key = keyOf(64)
    const app = await buildApp({ env: { ENVIRONMENT: 'PRODUCTION', HS_KEY: key }, routes: route, logs })
    ctx.onTestFinished(() => app.close())
    for (const alg of ['HS256', 'HS384', 'HS512'] as const)
      expect(await statusOf(app, tokenFor(key, alg))).toBe(200)
    expect(logs.some((line) => String(line.msg).startsWith('HS key too short'))).toBe(false)
  })

  it('outside production accepts a short key for every algorithm, with a warning', async (ctx) => {
    const logs: Record<string, unknown>[] = []
    const key = keyOf(10)
    const app = await buildApp({ env: { ENVIRONMENT: 'DEVELOPMENT', HS_KEY: key }, routes: route, logs })
    ctx.onTestFinished(() => app.close())
    for (const alg of ['HS256', 'HS384', 'HS512'] as const)
      expect(await statusOf(app, tokenFor(key, alg))).toBe(200)
    expect(logs.find((line) => String(line.msg).startsWith('HS key too short'))).toMatchObject({
      level: 40,
      keyBytes: 10,
      tooShortFor: ['HS256', 'HS384', 'HS512'],
      msg: expect.stringContaining('outside production only'),
    })
  })
})

/** An app trusting `provider` as its auth0 issuer, GET /p needing read:x, logging into `logs`. */
function providerApp(provider: TestJwksServer, logs: Record<string, unknown>[]): Promise<FastifyInstance> {
  return buildApp({
    groups: { auth0: true },
    env: auth0Env(provider, 'https://api/'),
    security: { jwksCooldownMs: 0 },
    routes: (a) => a.get('/p', { config: { protect: scopesPresent('read:x') } }, async () => ({ ok: true })),
    logs,
  })
}

describe('weak JWKS keys (RSA < 2048 bits)', () => {
  let weak: TestJwksServer
  beforeAll(async () => {
    // A weak RSA key beside a sound EC key on the same provider.
    weak = await TestJwksServer.start({ algorithms: ['RS256', 'PS256', 'ES256'], rsaModulusLength: 1024 })
  })
  afterAll(async () => {
    await weak.stop()
  })

  it('never verifies with a 1024-bit RSA key the provider publishes, and still uses its good keys', async (ctx) => {
    const logs: Record<string, unknown>[] = []
    const app = await providerApp(weak, logs)
    ctx.onTestFinished(() => app.close())
    // The document really carries the weak keys (a 1024-bit modulus is 128 bytes).
    const published = weak.jwks().keys.filter((k) => k.kty === 'RSA')
    expect(published).toHaveLength(2)
    for (const k of published) expect(Buffer.from(String(k.n), 'base64url').length).toBe(128)

    const sign = (algorithm: 'RS256' | 'PS256' | 'ES256') =>
      weak.sign({
        issuer: weak.url,
        audience: 'https://api/',
        algorithm,
        scope: 'read:x',
        scopesKey: 'https://x/scope',
      })
    expect((await app.inject({ url: '/p', headers: bearer(sign('ES256')) })).statusCode).toBe(200)
    for (const algorithm of ['RS256', 'PS256'] as const) {
      const res = await app.inject({ url: '/p', headers: bearer(sign(algorithm)) })
      expect(res.statusCode).toBe(401)
      expect(res.json()).toEqual(UNAUTHORIZED)
    }
    const reasons = logs.filter((l) => l.msg === 'Unauthorized: bearer token refused').map((l) => l.reason)
    expect(reasons).toEqual([
      expect.stringMatching(/no usable key for kid/),
      expect.stringMatching(/no usable key for kid/),
    ])
  })

  it('treats a provider that publishes only weak RSA keys as publishing no key', async (ctx) => {
    const onlyWeak = await TestJwksServer.start({ algorithms: ['RS256'], rsaModulusLength: 1024 })
    ctx.onTestFinished(() => onlyWeak.stop())
    const logs: Record<string, unknown>[] = []
    const app = await providerApp(onlyWeak, logs)
    ctx.onTestFinished(() => app.close())
    const token = onlyWeak.sign({
      issuer: onlyWeak.url,
      audience: 'https://api/',
      scope: 'read:x',
      scopesKey: 'https://x/scope',
    })
    const res = await app.inject({ url: '/p', headers: bearer(token) })
    expect(res.statusCode).toBe(401)
    expect(onlyWeak.requestCount).toBe(1)
    expect(logs.find((l) => l.msg === 'JWKS fetch failed')).toMatchObject({
      level: 40,
      reason: 'JWKS response has no usable signing key',
    })
  })
})
