import { describe, expect, it } from 'vitest'
import { fieldInBodyMatchesClaim, scopesPresent } from '../src/index.js'
import { mintHsToken } from '../src/testing/index.js'
import { bearer, buildApp, FORBIDDEN, INTERNAL, internalToken, UNAUTHORIZED } from './helpers.js'

/**
 * The seed's test_protection matrix: a route defined in development (security can be switched off
 * with IGNORE_JWT_VALIDATION) and one defined in production (always verified), each asked with the
 * right and the wrong scope. Our production app gets the switch through the plugin option, since
 * @fbi/config refuses IGNORE_JWT_VALIDATION in production.
 */
const matrix = [
  { environment: 'DEVELOPMENT', ignore: true, scope: 'foo:bar', expected: 200 },
  { environment: 'DEVELOPMENT', ignore: false, scope: 'foo:bar', expected: 403 },
  { environment: 'DEVELOPMENT', ignore: true, scope: 'hello:world', expected: 200 },
  { environment: 'DEVELOPMENT', ignore: false, scope: 'hello:world', expected: 200 },
  { environment: 'PRODUCTION', ignore: true, scope: 'foo:bar', expected: 403 },
  { environment: 'PRODUCTION', ignore: false, scope: 'foo:bar', expected: 403 },
  { environment: 'PRODUCTION', ignore: true, scope: 'hello:world', expected: 200 },
  { environment: 'PRODUCTION', ignore: false, scope: 'hello:world', expected: 200 },
] as const

describe("the seed's protection matrix", () => {
  it.for(matrix)('$environment route, ignore=$ignore, scope $scope -> $expected', async (row, ctx) => {
    const logs: Record<string, unknown>[] = []
    const app = await buildApp({
      logs,
      security: { environment: row.environment, ignoreJwtValidation: row.ignore },
      routes: (a) =>
        a.get('/secured', { config: { protect: scopesPresent('hello:world') } }, async () => ({
          result: true,
        })),
    })
    ctx.onTestFinished(() => app.close())
    const res = await app.inject({ url: '/secured', headers: bearer(internalToken({ scope: row.scope })) })
    expect(res.statusCode).toBe(row.expected)
    expect(res.json()).toEqual(row.expected === 200 ? { result: true } : FORBIDDEN)
    const reasons = logs.map((l) => l.reason).filter((r) => typeof r === 'string')
    if (row.expected === 403) expect(reasons).toContain('JWT is missing required scopes: [hello:world]')
    if (row.expected === 200 && !row.ignore) expect(reasons).toEqual([])
  })
})

describe('IGNORE_JWT_VALIDATION (non-production only)', () => {
  async function ignoringApp(env: Record<string, string> = { IGNORE_JWT_VALIDATION: 'true' }) {
    return buildApp({
      env,
      routes: (a) => {
        a.get('/s', { config: { protect: scopesPresent('hello:world') } }, async (request) => ({
          claims: request.jwtClaims,
          scopes: request.jwtScopes,
        }))
        a.post('/b', { config: { protect: fieldInBodyMatchesClaim('id', 'patient_id') } }, async () => ({
          ok: true,
        }))
      },
    })
  }

  it('decodes tokens without verifying them: bad signatures and expiry pass, claims are read', async (ctx) => {
    const app = await ignoringApp()
    ctx.onTestFinished(() => app.close())
    const token = mintHsToken({
      key: 'not-the-key',
      issuer: INTERNAL,
      audience: 'x',
      expiresInSec: -100,
      metadata: { patient_id: 'p9' },
      scope: 'a b',
    })
    const res = await app.inject({ url: '/s', headers: bearer(token) })
    expect(res.statusCode).toBe(200)
    expect(res.json()).toMatchObject({ claims: { patient_id: 'p9', iss: INTERNAL }, scopes: ['a', 'b'] })
  })

  it('lets requests without a token, or with an unknown issuer, through with empty claims (as the seed)', async (ctx) => {
    const app = await ignoringApp()
    ctx.onTestFinished(() => app.close())
    const none = await app.inject({ url: '/s' })
    expect(none.statusCode).toBe(200)
    expect(none.json()).toEqual({ claims: {}, scopes: [] })
    const unknown = await app.inject({
      url: '/s',
      headers: bearer(mintHsToken({ key: 'k', issuer: 'http://evil/', metadata: { patient_id: 'x' } })),
    })
    expect(unknown.json()).toEqual({ claims: {}, scopes: [] })
    const body = await app.inject({ method: 'POST', url: '/b', payload: { id: 'someone' } })
    expect(body.statusCode).toBe(200)
  })

  it('still refuses a scope claim of the wrong type (403, as the seed)', async (ctx) => {
    const app = await ignoringApp()
    ctx.onTestFinished(() => app.close())
    const res = await app.inject({ url: '/s', headers: bearer(internalToken({ scope: 42 })) })
    expect(res.statusCode).toBe(403)
    expect(res.json()).toEqual(FORBIDDEN)
  })

  it('is refused by @fbi/config in production, and disregarded there when passed as an option', async (ctx) => {
    await expect(
      buildApp({ env: { ENVIRONMENT: 'PRODUCTION', IGNORE_JWT_VALIDATION: 'true' } }),
    ).rejects.toThrow(/IGNORE_JWT_VALIDATION/)
    const logs: Record<string, unknown>[] = []
    const app = await buildApp({
      logs,
      env: { ENVIRONMENT: 'PRODUCTION' },
      security: { ignoreJwtValidation: true },
      routes: (a) => a.get('/s', { config: { protect: scopesPresent('hello:world') } }, async () => ({})),
    })
    ctx.onTestFinished(() => app.close())
    const res = await app.inject({ url: '/s' })
    expect(res.statusCode).toBe(401)
    expect(res.json()).toEqual(UNAUTHORIZED)
    expect(logs.some((l) => l.level === 40 && String(l.msg).includes('IGNORE_JWT_VALIDATION'))).toBe(true)
  })
})
