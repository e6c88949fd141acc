import fbiConfig from '@fbi/config'
import Fastify, { type FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import fbiSecurity from '../src/index.js'
import { TestJwksServer } from '../src/testing/index.js'
import { auth0Env, BASE_ENV } from './helpers.js'

type Check = () => unknown
let provider: TestJwksServer
beforeAll(async () => {
  provider = await TestJwksServer.start({ algorithms: ['ES256'] })
})
afterAll(async () => {
  await provider.stop()
})

/** The addHealthCheck contract of @fbi/monitoring, reduced to collecting the checks. */
async function appWithChecks(
  checks: Map<string, Check>,
  withDecorator = true,
  jwksCacheTtlMs = 600_000,
): Promise<FastifyInstance> {
  const app = Fastify()
  await app.register(fbiConfig, {
    env: { ...BASE_ENV, ...auth0Env(provider, 'aud') },
    auth0: true,
  })
  if (withDecorator) {
    await app.register(
      fp(async (f) => {
        f.decorate('addHealthCheck', (name: string, check: Check) => void checks.set(name, check))
      }),
    )
  }
  await app.register(fbiSecurity, { jwksCooldownMs: 0, jwksCacheTtlMs })
  await app.ready()
  return app
}

describe('JWKS health check', () => {
  it('is registered when addHealthCheck exists, passes with keys and fails with none', async (ctx) => {
    const checks = new Map<string, Check>()
    const app = await appWithChecks(checks, true, 0)
    ctx.onTestFinished(() => app.close())
    const check = checks.get('jwks')
    expect(check).toBeTypeOf('function')
    await provider.stop()
    await expect(Promise.resolve(check?.())).rejects.toMatchObject({ code: 'FBI_SECURITY_JWKS_UNAVAILABLE' })
    await provider.start()
    const output = (await check?.()) as { keys: number; url: string; lastError: string | null }[]
    expect(output).toEqual([expect.objectContaining({ url: provider.jwksUrl, keys: 1, lastError: null })])
    // Down after warm-up: still passing (cached keys verify), with the error reported.
    await provider.stop()
    const degraded = (await check?.()) as { keys: number; lastError: string | null }[]
    expect(degraded[0]?.keys).toBe(1)
    expect(degraded[0]?.lastError).toEqual(expect.any(String))
    await provider.start()
  })

  it('with a cache TTL of 0 fetches on every check, even within the millisecond of the last fetch', async (ctx) => {
    const checks = new Map<string, Check>()
    const app = await appWithChecks(checks, true, 0)
    ctx.onTestFinished(() => app.close())
    // The clock stands still (timers and sockets keep running), as it does between two calls that
    // land in the same millisecond on a fast machine.
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() })
    ctx.onTestFinished(() => {
      vi.useRealTimers()
    })
    const check = checks.get('jwks')
    const before = provider.requestCount
    await check?.()
    await check?.()
    expect(provider.requestCount - before).toBe(2)
  })

  it('is not registered without the decorator', async (ctx) => {
    const checks = new Map<string, Check>()
    const app = await appWithChecks(checks, false)
    ctx.onTestFinished(() => app.close())
    expect(checks.size).toBe(0)
  })
})
