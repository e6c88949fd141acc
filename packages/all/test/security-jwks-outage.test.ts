import { randomUUID } from 'node:crypto'
import fbiConfig from '@fbi/config'
import fbiErrors from '@fbi/errors'
import fbiMonitoring from '@fbi/monitoring'
import fbiSecurity, { type FbiSecurityOptions, scopesPresent } from '@fbi/security'
import { type JwksFailure, type SignOptions, TestJwksServer } from '@fbi/security/testing'
import Fastify, { type FastifyInstance } from 'fastify'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { ENV } from './helpers.js'
import { auth0Env, bearer, INVALID_TOKEN, UNAUTHORIZED } from './security-kit.js'

const AUDIENCE = 'https://api.example.com/'
const METADATA_KEY = 'https://example.com/metadata'
const SCOPE_KEY = 'https://example.com/scope'

let provider: TestJwksServer

beforeAll(async () => {
  provider = await TestJwksServer.start({ algorithms: ['RS256'] })
})
afterAll(async () => {
  await provider.stop()
})
beforeEach(async () => {
  await provider.start()
  provider.failure = 'none'
  provider.resetRequestCount()
})

/** config → errors → the real @fbi/monitoring → security, as @fbi/all registers them. */
async function fullApp(security: FbiSecurityOptions = {}): Promise<FastifyInstance> {
  const app = Fastify()
  await app.register(fbiConfig, {
    env: { ...ENV, ...auth0Env(provider, AUDIENCE, METADATA_KEY) },
    jwt: true,
    auth0: true,
  })
  await app.register(fbiErrors)
  await app.register(fbiMonitoring, {
    gracefulShutdown: false,
    processMetrics: false,
    requestLog: false,
    // Every probe runs the checks: the test sees the provider's state of the moment.
    healthCheckSuccessTtlMs: 0,
    healthCheckFailureTtlMs: 0,
  })
  await app.register(fbiSecurity, { jwksCooldownMs: 0, ...security })
  app.get('/p', { config: { protect: scopesPresent('read:x') } }, async () => ({ ok: true }))
  await app.ready()
  return app
}

function token(options: Partial<SignOptions> = {}): string {
  return provider.sign({
    issuer: provider.url,
    audience: AUDIENCE,
    claimsKey: METADATA_KEY,
    scopesKey: SCOPE_KEY,
    scope: 'read:x',
    subject: randomUUID(), // never in the verified-token cache
    ...options,
  })
}

async function expect401(app: FastifyInstance, jwt: string): Promise<void> {
  const res = await app.inject({ url: '/p', headers: bearer(jwt) })
  expect(res.statusCode).toBe(401)
  expect(res.json()).toEqual(UNAUTHORIZED)
  expect(res.headers['www-authenticate']).toBe(INVALID_TOKEN)
}

interface Health {
  status: string
  results: { checker: string; passed: boolean; output: unknown }[]
}

async function jwksHealth(
  app: FastifyInstance,
): Promise<{ statusCode: number; body: Health; jwks: unknown }> {
  const res = await app.inject({ url: '/healthcheck' })
  const body = res.json() as Health
  return { statusCode: res.statusCode, body, jwks: body.results.find((r) => r.checker === 'jwks') }
}

/** The value of one series of /metrics, 0 when absent. */
async function metric(app: FastifyInstance, name: string, labels: Record<string, string>): Promise<number> {
  const res = await app.inject({ url: '/metrics' })
  expect(res.statusCode).toBe(200)
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`)
  for (const line of res.body.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue
    const labelText = line.slice(name.length + 1, line.lastIndexOf('}'))
    const present = labelText.split(',')
    if (wanted.every((pair) => present.includes(pair)) && present.length === wanted.length)
      return Number(line.slice(line.lastIndexOf(' ') + 1))
  }
  return 0
}

const CASES: { failure: JwksFailure | 'stopped'; reason: string; lastError: RegExp }[] = [
  { failure: 'status-500', reason: 'http_status', lastError: /JWKS request answered 500/ },
  { failure: 'html', reason: 'not_json', lastError: /JWKS response is not JSON/ },
  { failure: 'empty-object', reason: 'no_keys_array', lastError: /JWKS response has no keys array/ },
  { failure: 'no-keys', reason: 'no_usable_key', lastError: /JWKS response has no usable signing key/ },
  { failure: 'hang', reason: 'timeout', lastError: /JWKS request timed out/ },
  { failure: 'stopped', reason: 'network', lastError: /fetch failed/ },
  { failure: 'oversized', reason: 'too_large', lastError: /JWKS response larger than 1048576 bytes/ },
]

describe('a failing JWKS provider, seen through the real @fbi/monitoring', () => {
  it.for(CASES)(
    'provider $failure: generic 401, failure in /healthcheck and /metrics (reason $reason), not cached',
    async ({ failure, reason, lastError }, ctx) => {
      const app = await fullApp({ jwksFetchTimeoutMs: 300 })
      ctx.onTestFinished(() => app.close())
      if (failure === 'stopped') await provider.stop()
      else provider.failure = failure

      await expect401(app, token())
      const down = await jwksHealth(app)
      expect(down.statusCode).toBe(500)
      expect(down.body.status).toBe('failure')
      expect(down.jwks).toEqual(
        expect.objectContaining({
          passed: false,
          output: expect.stringMatching(new RegExp(`^JWKS provider .* unavailable: ${lastError.source}`)),
        }),
      )
      // One fetch for the request, one for the probe: both counted, with the reason.
      const labels = { jwks_url: provider.jwksUrl }
      expect(await metric(app, 'fbi_jwks_fetch_failures_total', { ...labels, reason })).toBe(2)
      expect(await metric(app, 'fbi_jwks_fetches_total', { ...labels, outcome: 'failure' })).toBe(2)
      expect(await metric(app, 'fbi_jwks_fetches_total', { ...labels, outcome: 'success' })).toBe(0)
      if (failure !== 'stopped') expect(provider.requestCount).toBe(2)

      // The provider recovers: the very next request fetches again and verifies.
      await provider.start()
      provider.failure = 'none'
      const res = await app.inject({ url: '/p', headers: bearer(token()) })
      expect(res.statusCode).toBe(200)
      const up = await jwksHealth(app)
      expect(up.statusCode).toBe(200)
      expect(up.jwks).toEqual(
        expect.objectContaining({
          passed: true,
          output: [expect.objectContaining({ url: provider.jwksUrl, keys: 1, lastError: null })],
        }),
      )
      expect(await metric(app, 'fbi_jwks_fetches_total', { ...labels, outcome: 'success' })).toBe(1)
    },
  )

  it('keeps verifying known kids when the provider goes down after warm-up; health says degraded', async (ctx) => {
    // TTL 0: every use wants a refresh, so the outage is noticed at once.
    const app = await fullApp({ jwksCacheTtlMs: 0 })
    ctx.onTestFinished(() => app.close())
    expect((await app.inject({ url: '/p', headers: bearer(token()) })).statusCode).toBe(200)
    await provider.stop()
    for (let i = 0; i < 5; i++) {
      expect((await app.inject({ url: '/p', headers: bearer(token()) })).statusCode).toBe(200)
    }
    await expect401(app, token({ kid: 'never-published' }))
    const health = await jwksHealth(app)
    // Cached keys still verify: the check passes and shows the provider's error.
    expect(health.statusCode).toBe(200)
    expect(health.jwks).toEqual(
      expect.objectContaining({
        passed: true,
        output: [expect.objectContaining({ keys: 1, lastError: expect.stringMatching(/fetch failed/) })],
      }),
    )
    expect(
      await metric(app, 'fbi_jwks_fetch_failures_total', { jwks_url: provider.jwksUrl, reason: 'network' }),
    ).toBeGreaterThanOrEqual(1)
  })

  it('answers within jwksFetchTimeoutMs (+ a margin) when the provider accepts and never answers', async (ctx) => {
    const timeoutMs = 1000
    const app = await fullApp({ jwksFetchTimeoutMs: timeoutMs })
    ctx.onTestFinished(() => app.close())
    provider.failure = 'hang'
    const started = performance.now()
    const answers = await Promise.all(
      Array.from({ length: 10 }, () => app.inject({ url: '/p', headers: bearer(token()) })),
    )
    const elapsed = performance.now() - started
    for (const res of answers) {
      expect(res.statusCode).toBe(401)
      expect(res.json()).toEqual(UNAUTHORIZED)
    }
    // Ten concurrent requests shared one hanging fetch.
    expect(provider.requestCount).toBe(1)
    // Not minutes: the deadline holds (generous margin for a loaded machine).
    expect(elapsed).toBeLessThan(timeoutMs + 3000)
  })

  it('a flood of random kids: every answer 401, at most one fetch per cooldown window', async (ctx) => {
    const app = await fullApp({ jwksCooldownMs: 60_000 })
    ctx.onTestFinished(() => app.close())
    // Cold start: the flood arrives before any key was fetched; all share the first fetch.
    const started = performance.now()
    const flood = await Promise.all(
      Array.from({ length: 300 }, () =>
        app.inject({ url: '/p', headers: bearer(token({ kid: randomUUID() })) }),
      ),
    )
    expect(flood.map((r) => r.statusCode)).toEqual(Array(300).fill(401))
    // Answered quickly: one shared fetch, no queue of fetches (a generous bound for a loaded machine).
    expect(performance.now() - started).toBeLessThan(10_000)
    expect(provider.requestCount).toBe(1)
    // The real key still works (known since that one fetch), and more random kids cost nothing.
    expect((await app.inject({ url: '/p', headers: bearer(token()) })).statusCode).toBe(200)
    for (let i = 0; i < 50; i++) await expect401(app, token({ kid: randomUUID() }))
    expect(provider.requestCount).toBe(1)
  })

  it('with a short cooldown the fetches stay within one per window', async (ctx) => {
    const cooldownMs = 250
    const app = await fullApp({ jwksCooldownMs: cooldownMs })
    ctx.onTestFinished(() => app.close())
    const started = performance.now()
    let answered = 0
    while (performance.now() - started < 1500) {
      const batch = await Promise.all(
        Array.from({ length: 20 }, () =>
          app.inject({ url: '/p', headers: bearer(token({ kid: randomUUID() })) }),
        ),
      )
      for (const res of batch) expect(res.statusCode).toBe(401)
      answered += batch.length
    }
    const elapsed = performance.now() - started
    expect(answered).toBeGreaterThan(20)
    expect(provider.requestCount).toBeGreaterThanOrEqual(1)
    expect(provider.requestCount).toBeLessThanOrEqual(Math.floor(elapsed / cooldownMs) + 1)
  })
})
