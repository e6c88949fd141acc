import type { FastifyInstance } from 'fastify'
import Fastify from 'fastify'
import { describe, expectTypeOf, it } from 'vitest'
import {
  type AuthenticatedRequest,
  and,
  currentJwtUser,
  type FbiSecurityOptions,
  isAuthenticated,
  type JwtClaims,
  type Predicate,
  type PredicateContext,
  type ProtectionReportEntry,
  publicRoute,
  scopesPresent,
} from '../src/index.js'

describe('public types', () => {
  it('accepts protect in route config and types request.jwtClaims as it is: null without protect', () => {
    const app = Fastify()
    app.get('/a', { config: { protect: and(scopesPresent('x')) } }, async (request) => {
      expectTypeOf(request.jwtClaims).toEqualTypeOf<JwtClaims | null>()
      expectTypeOf(request.jwtScopes).toEqualTypeOf<readonly string[] | null>()
      // @ts-expect-error possibly null: a route without protect has no claims
      void request.jwtClaims.iss
      expectTypeOf(request.jwtClaims?.iss).toEqualTypeOf<string | undefined>()
      if (isAuthenticated(request)) {
        expectTypeOf(request.jwtClaims).toEqualTypeOf<JwtClaims>()
        expectTypeOf(request.jwtClaims.iss).toEqualTypeOf<string | undefined>()
        expectTypeOf(request.jwtScopes).toEqualTypeOf<readonly string[]>()
        expectTypeOf(request.params).toEqualTypeOf<unknown>()
      }
      expectTypeOf(currentJwtUser(request)).toEqualTypeOf<string>()
      return {}
    })
    app.get<{ Params: { id: string } }>(
      '/typed/:id',
      { config: { protect: scopesPresent('x') } },
      async (request) => {
        if (!isAuthenticated(request)) throw new TypeError('unreachable on a protected route')
        // The narrowed request keeps the route's own types.
        expectTypeOf(request.params.id).toEqualTypeOf<string>()
        expectTypeOf<AuthenticatedRequest['jwtClaims']>().toEqualTypeOf<JwtClaims>()
        return { id: request.params.id, user: request.jwtClaims.patient_id }
      },
    )
    app.get('/b', { config: { protect: publicRoute } }, async () => ({}))
    app.get('/c', { config: { protect: (ctx) => ctx.scopes.includes('x') } }, async () => ({}))
    app.get(
      '/d',
      { config: { protect: async (ctx) => ctx.claims.patient_id === ctx.params.id } },
      async () => ({}),
    )
    // @ts-expect-error protect must be a predicate, not a string
    app.get('/e', { config: { protect: 'read:x' } }, async () => ({}))
    // @ts-expect-error a predicate returns a boolean
    app.get('/f', { config: { protect: () => 'yes' } }, async () => ({}))
    void app.close()
  })

  it('types predicates, options and decorators', () => {
    expectTypeOf(scopesPresent('a')).toMatchTypeOf<Predicate>()
    expectTypeOf<Predicate['description']>().toEqualTypeOf<string>()
    expectTypeOf<Predicate['requiredScopes']>().toEqualTypeOf<readonly string[]>()
    expectTypeOf<PredicateContext['environment']>().toEqualTypeOf<string>()
    expectTypeOf<FastifyInstance['protectionReport']>().returns.toEqualTypeOf<ProtectionReportEntry[]>()
    expectTypeOf<ProtectionReportEntry['adminRoute']>().toEqualTypeOf<boolean>()
    expectTypeOf<FastifyInstance['getSystemJwt']>().returns.toEqualTypeOf<Promise<string | undefined>>()
    const options: FbiSecurityOptions = {
      issuers: [
        { issuer: 'a', kind: 'hs', key: 'k' },
        { issuer: 'b', kind: 'jwks', jwksUrl: 'https://b/jwks', audience: 'x' },
      ],
      clockToleranceSec: 5,
      requireProtection: true,
    }
    expectTypeOf(options).toEqualTypeOf<FbiSecurityOptions>()
    const compat: FbiSecurityOptions = {
      compat: 'flask',
      publicRoutes: ['/health', 'GET /docs/*'],
      claimRequirements: { 'http://localhost/': { requireAudience: false, requireExpiry: false } },
    }
    void compat
    // @ts-expect-error compat names a known behaviour
    const otherCompat: FbiSecurityOptions = { compat: 'django' }
    void otherCompat
    // @ts-expect-error claim requirements are booleans
    const loose: FbiSecurityOptions = { claimRequirements: { a: { requireAudience: 'no' } } }
    void loose
    // @ts-expect-error a JWKS issuer needs an audience
    const bad: FbiSecurityOptions = { issuers: [{ issuer: 'b', kind: 'jwks', jwksUrl: 'https://b/jwks' }] }
    void bad
    // @ts-expect-error scopesPresent takes scope names
    const wrong = () => scopesPresent(42)
    void wrong
  })
})
