import { describe, expect, it } from 'vitest'
import { FBI_SECURITY_INVALID_OPTION, keyPresent, scopesPresent } from '../src/index.js'
import { mintHsToken } from '../src/testing/index.js'
import { bearer, buildApp, FORBIDDEN, HS_KEY, INTERNAL, internalToken } from './helpers.js'

const CUSTOM = 'https://login.example.com/'
const EPR = 'http://epr/'
const env = {
  AUTH0_CUSTOM_DOMAIN: CUSTOM,
  AUTH0_HS_KEY: 'custom-db-key-0123456789',
  EPR_SERVICE_ADAPTER_ISSUER: EPR,
  EPR_SERVICE_ADAPTER_HS_KEY: 'epr-key-0123456789abcdef',
}

function appWithAll() {
  return buildApp({
    env,
    groups: { customAuth0: true, epr: true },
    security: {
      issuers: [
        {
          issuer: 'https://extra.example.com/',
          kind: 'hs',
          key: 'extra-key-0123456789',
          audience: 'extra-aud',
          claimsKey: 'meta',
          scopesKey: 'perms',
        },
      ],
    },
    routes: (a) =>
      a.get('/p', { config: { protect: keyPresent('patient_id') } }, async (request) => ({
        claims: request.jwtClaims,
        scopes: request.jwtScopes,
      })),
  })
}

describe('issuers from configuration and options', () => {
  it.for([
    ['internal', { key: HS_KEY, issuer: INTERNAL, audience: INTERNAL }],
    ['custom-DB login', { key: env.AUTH0_HS_KEY, issuer: CUSTOM, audience: INTERNAL }],
    ['EPR service adapter', { key: env.EPR_SERVICE_ADAPTER_HS_KEY, issuer: EPR, audience: INTERNAL }],
    [
      'extra (options)',
      {
        key: 'extra-key-0123456789',
        issuer: 'https://extra.example.com/',
        audience: 'extra-aud',
        claimsKey: 'meta',
        scopesKey: 'perms',
      },
    ],
  ] as const)('verifies the %s issuer with its own key', async ([, opts], ctx) => {
    const app = await appWithAll()
    ctx.onTestFinished(() => app.close())
    const res = await app.inject({
      url: '/p',
      headers: bearer(mintHsToken({ ...opts, metadata: { patient_id: 'p1' }, scope: 'a' })),
    })
    expect(res.statusCode).toBe(200)
    expect(res.json()).toMatchObject({ claims: { patient_id: 'p1', iss: opts.issuer }, scopes: ['a'] })
    // Signed with another issuer's key: refused.
    const crossed = await app.inject({
      url: '/p',
      headers: bearer(
        mintHsToken({
          ...opts,
          key: HS_KEY === opts.key ? env.AUTH0_HS_KEY : HS_KEY,
          metadata: { patient_id: 'p1' },
        }),
      ),
    })
    expect(crossed.statusCode).toBe(401)
  })

  it('ignores configured issuers when configIssuers is false', async (ctx) => {
    const app = await buildApp({
      security: { configIssuers: false },
      routes: (a) => a.get('/p', { config: { protect: keyPresent('patient_id') } }, async () => ({})),
    })
    ctx.onTestFinished(() => app.close())
    expect(
      (await app.inject({ url: '/p', headers: bearer(internalToken({ metadata: { patient_id: 'p' } })) }))
        .statusCode,
    ).toBe(401)
  })

  it.for([
    ['a duplicate issuer', [{ issuer: INTERNAL, kind: 'hs', key: 'k' }]],
    ['an HS issuer without key', [{ issuer: 'x', kind: 'hs', key: '' }]],
    [
      'a JWKS issuer without audience',
      [{ issuer: 'x', kind: 'jwks', jwksUrl: 'http://127.0.0.1/jwks', audience: '' }],
    ],
    [
      'a JWKS issuer with a bad URL',
      [{ issuer: 'x', kind: 'jwks', jwksUrl: 'file:///etc/passwd', audience: 'a' }],
    ],
    ['an unknown kind', [{ issuer: 'x', kind: 'rsa', key: 'k' }]],
  ] as const)('refuses %s at startup', async ([, issuers]) => {
    await expect(buildApp({ security: { issuers: issuers as never } })).rejects.toThrow(
      FBI_SECURITY_INVALID_OPTION,
    )
  })
})

describe('claims and scopes normalisation', () => {
  it('flattens locations to location_ids and keeps iss, sub and raw', async (ctx) => {
    const app = await appWithAll()
    ctx.onTestFinished(() => app.close())
    const token = internalToken({
      subject: 'user:1',
      metadata: {
        patient_id: 'p1',
        locations: [
          { id: 'L1', name: 'Florence' },
          { id: 'L2', name: 'South' },
        ],
        can_edit_ews: true,
      },
    })
    const res = await app.inject({ url: '/p', headers: bearer(token) })
    const { claims } = res.json()
    expect(claims).toMatchObject({
      patient_id: 'p1',
      location_ids: ['L1', 'L2'],
      can_edit_ews: true,
      iss: INTERNAL,
      sub: 'user:1',
    })
    expect(claims.locations).toBeUndefined()
    expect(claims.raw.metadata.locations).toHaveLength(2)
  })

  it.for([
    ['a space-separated string', 'read:a write:b', 200, ['read:a', 'write:b']],
    ['an array', ['read:a', 'write:b'], 200, ['read:a', 'write:b']],
  ] as const)('accepts scopes as %s', async ([, scope, status, scopes], ctx) => {
    const app = await buildApp({
      routes: (a) =>
        a.get('/s', { config: { protect: scopesPresent('read:a') } }, async (r) => ({ scopes: r.jwtScopes })),
    })
    ctx.onTestFinished(() => app.close())
    const res = await app.inject({ url: '/s', headers: bearer(internalToken({ scope, scopeAsArray: true })) })
    expect(res.statusCode).toBe(status)
    expect(res.json()).toEqual({ scopes })
  })

  it.for([
    ['a number', 42],
    ['an object', { a: 1 }],
    ['a list with a number', ['read:a', 1]],
    ['null', null],
    ['true', true],
  ] as const)('answers 403 for a scope claim that is %s', async ([, scope], ctx) => {
    const app = await buildApp({
      routes: (a) => a.get('/s', { config: { protect: keyPresent('iss') } }, async () => ({})),
    })
    ctx.onTestFinished(() => app.close())
    const res = await app.inject({ url: '/s', headers: bearer(internalToken({ scope, scopeAsArray: true })) })
    expect(res.statusCode).toBe(403)
    expect(res.json()).toEqual(FORBIDDEN)
  })

  it('is not fooled by a __proto__ claim', async (ctx) => {
    const app = await buildApp({
      routes: (a) => a.get('/s', { config: { protect: keyPresent('admin') } }, async () => ({})),
    })
    ctx.onTestFinished(() => app.close())
    const payload = JSON.parse('{"__proto__": {"admin": true}}') as Record<string, unknown>
    const res = await app.inject({ url: '/s', headers: bearer(internalToken({ metadata: payload })) })
    expect(res.statusCode).toBe(403)
  })
})
