import { createHmac } from 'node:crypto'
import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { type FbiSecurityOptions, scopesPresent } from '../src/index.js'
import {
  type AsymmetricAlgorithm,
  forgeToken,
  type SignOptions,
  TestJwksServer,
} from '../src/testing/index.js'
import { auth0Env, bearer, buildApp, HS_KEY, INVALID_TOKEN, UNAUTHORIZED } from './helpers.js'

const AUDIENCE = 'https://api.example.com/'
const METADATA_KEY = 'https://example.com/metadata'
const SCOPE_KEY = 'https://example.com/scope'

let provider: TestJwksServer

beforeAll(async () => {
  provider = await TestJwksServer.start({ algorithms: ['RS256', 'ES256', 'PS256', 'ES384'] })
})
afterAll(async () => {
  await provider.stop()
})
beforeEach(async () => {
  await provider.start()
  provider.failure = 'none'
  provider.resetRequestCount()
})

function providerApp(security: FbiSecurityOptions = {}): Promise<FastifyInstance> {
  return buildApp({
    groups: { auth0: true },
    env: auth0Env(provider, AUDIENCE, METADATA_KEY),
    security: { jwksCooldownMs: 0, ...security },
    routes: (app) =>
      app.get('/p', { config: { protect: scopesPresent('read:x') } }, async (request) => ({
        claims: request.jwtClaims,
        scopes: request.jwtScopes,
      })),
  })
}

function providerToken(options: Partial<SignOptions> = {}): string {
  return provider.sign({
    issuer: provider.url,
    audience: AUDIENCE,
    claimsKey: METADATA_KEY,
    scopesKey: SCOPE_KEY,
    metadata: { clinician_id: 'c1', locations: [{ id: 'L1', name: 'Ward' }, { id: 'L2' }] },
    scope: 'read:x',
    ...options,
  })
}

async function status(app: FastifyInstance, token: string): Promise<number> {
  return (await app.inject({ url: '/p', headers: bearer(token) })).statusCode
}

async function expect401(app: FastifyInstance, token: string): Promise<void> {
  const res = await app.inject({ url: '/p', headers: bearer(token) })
  expect(res.statusCode).toBe(401)
  expect(res.json()).toEqual(UNAUTHORIZED)
  expect(res.headers['www-authenticate']).toBe(INVALID_TOKEN)
}

describe('JWKS issuer', () => {
  it.for(['RS256', 'ES256', 'PS256', 'ES384'] as AsymmetricAlgorithm[])(
    'verifies %s tokens',
    async (algorithm, ctx) => {
      const app = await providerApp()
      ctx.onTestFinished(() => app.close())
      const res = await app.inject({ url: '/p', headers: bearer(providerToken({ algorithm })) })
      expect(res.statusCode).toBe(200)
      expect(res.json()).toMatchObject({
        claims: { clinician_id: 'c1', location_ids: ['L1', 'L2'], iss: provider.url },
        scopes: ['read:x'],
      })
    },
  )

  it('refuses HS256 signed with the provider public key (algorithm confusion)', async (ctx) => {
    const app = await providerApp()
    ctx.onTestFinished(() => app.close())
    const header = Buffer.from(
      JSON.stringify({ alg: 'HS256', typ: 'JWT', kid: provider.kid('RS256') }),
    ).toString('base64url')
    const payload = Buffer.from(
      JSON.stringify({
        iss: provider.url,
        aud: AUDIENCE,
        exp: Math.floor(Date.now() / 1000) + 300,
        [SCOPE_KEY]: 'read:x',
      }),
    ).toString('base64url')
    const input = `${header}.${payload}`
    for (const secret of [provider.publicKeyPem('RS256'), provider.publicKeyPem('ES256'), HS_KEY]) {
      await expect401(app, `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`)
    }
    // No fetch was made for a token whose algorithm the issuer never accepts.
    expect(provider.requestCount).toBe(0)
  })

  it('refuses alg none and a stripped signature', async (ctx) => {
    const app = await providerApp()
    ctx.onTestFinished(() => app.close())
    const payload = {
      iss: provider.url,
      aud: AUDIENCE,
      exp: Math.floor(Date.now() / 1000) + 300,
      [SCOPE_KEY]: 'read:x',
    }
    await expect401(app, forgeToken({ alg: 'none', kid: provider.kid() }, payload))
    const [h, p] = providerToken().split('.')
    await expect401(app, `${h}.${p}.`)
  })

  it('refuses a tampered payload', async (ctx) => {
    const app = await providerApp()
    ctx.onTestFinished(() => app.close())
    const [h, , s] = providerToken({ scope: 'read:y' }).split('.')
    const p = Buffer.from(
      JSON.stringify({
        iss: provider.url,
        aud: AUDIENCE,
        exp: Math.floor(Date.now() / 1000) + 300,
        [SCOPE_KEY]: 'read:x',
      }),
    ).toString('base64url')
    await expect401(app, `${h}.${p}.${s}`)
  })

  it('refuses wrong audience, expired and not-yet-valid tokens', async (ctx) => {
    const app = await providerApp()
    ctx.onTestFinished(() => app.close())
    await expect401(app, providerToken({ audience: 'https://other.example.com/' }))
    await expect401(app, providerToken({ expiresInSec: -5 }))
    await expect401(app, providerToken({ notBeforeSec: 120 }))
  })

  it('refuses an unknown issuer before fetching any key', async (ctx) => {
    const app = await providerApp()
    ctx.onTestFinished(() => app.close())
    await expect401(app, providerToken({ issuer: 'https://evil.example.com/' }))
    await expect401(app, providerToken({ extra: { iss: undefined } }))
    expect(provider.requestCount).toBe(0)
  })

  it('refuses an unknown kid, a missing kid and a key of the wrong type for the algorithm', async (ctx) => {
    const app = await providerApp()
    ctx.onTestFinished(() => app.close())
    await expect401(app, providerToken({ kid: 'no-such-kid' }))
    const [, p, s] = providerToken().split('.')
    await expect401(app, `${Buffer.from('{"alg":"RS256"}').toString('base64url')}.${p}.${s}`)
    // An ES256 signature presented under the RSA key's kid.
    await expect401(app, providerToken({ algorithm: 'ES256', kid: provider.kid('RS256') }))
  })

  it('rate-limits fetches for unknown kids with the cooldown', async (ctx) => {
    const app = await providerApp({ jwksCooldownMs: 60_000 })
    ctx.onTestFinished(() => app.close())
    expect(await status(app, providerToken())).toBe(200)
    expect(provider.requestCount).toBe(1)
    for (let i = 0; i < 20; i++) {
      expect(await status(app, providerToken({ kid: `random-${i}` }))).toBe(401)
    }
    expect(provider.requestCount).toBe(1)
  })

  it('keeps verifying with cached keys while the provider is down', async (ctx) => {
    const app = await providerApp({ jwksCacheTtlMs: 0 })
    ctx.onTestFinished(() => app.close())
    expect(await status(app, providerToken())).toBe(200)
    await provider.stop()
    // New tokens (not in the verified-token cache) with known kids still verify, though the set is stale.
    expect(await status(app, providerToken({ subject: 'another' }))).toBe(200)
    expect(await status(app, providerToken({ algorithm: 'ES256' }))).toBe(200)
    // A kid never seen cannot be checked: the generic 401.
    await expect401(app, providerToken({ kid: 'rotated-away' }))
  })

  it('picks up rotated keys on the first unknown kid and drops retired ones', async (ctx) => {
    const app = await providerApp()
    ctx.onTestFinished(() => app.close())
    const before = providerToken()
    const neverUsedBefore = providerToken({ subject: 'never-used' })
    expect(await status(app, before)).toBe(200)
    provider.rotate()
    expect(await status(app, providerToken())).toBe(200)
    // Signed by the retired key and not in the verified-token cache: its kid is gone from the refreshed set.
    await expect401(app, neverUsedBefore)
  })

  it('accepts old and new keys while both are published', async (ctx) => {
    const app = await providerApp()
    ctx.onTestFinished(() => app.close())
    const old = providerToken()
    expect(await status(app, old)).toBe(200)
    provider.rotate({ keepPrevious: true })
    expect(await status(app, providerToken())).toBe(200)
    expect(
      await status(app, providerToken({ subject: 'x' }).replace(/^[^.]+/, old.split('.')[0] ?? '')),
    ).toBe(401)
    expect(await status(app, old)).toBe(200)
  })

  it.for(['status-500', 'html', 'empty-object', 'no-keys'] as const)(
    'answers 401 while the provider answers %s, without caching the failure',
    async (failure, ctx) => {
      const app = await providerApp()
      ctx.onTestFinished(() => app.close())
      provider.failure = failure
      await expect401(app, providerToken())
      provider.failure = 'none'
      expect(await status(app, providerToken())).toBe(200)
    },
  )

  it('gives up on a provider that never answers after jwksFetchTimeoutMs', async (ctx) => {
    const app = await providerApp({ jwksFetchTimeoutMs: 200 })
    ctx.onTestFinished(() => app.close())
    provider.failure = 'hang'
    await expect401(app, providerToken())
    provider.failure = 'none'
    expect(await status(app, providerToken())).toBe(200)
  })
})
