import type { FastifyInstance } from 'fastify'
import Fastify from 'fastify'
import { describe, expectTypeOf, it } from 'vitest'
import {
  and,
  currentJwtUser,
  type FbiSecurityOptions,
  type JwtClaims,
  type Predicate,
  type PredicateContext,
  type ProtectionReportEntry,
  publicRoute,
  scopesPresent,
} from '../src/index.js'

describe('public types', () => {
  it('accepts protect in route config and types request.jwtClaims', () => {
    const app = Fastify()
    app.get('/a', { config: { protect: and(scopesPresent('x')) } }, async (request) => {
      expectTypeOf(request.jwtClaims).toEqualTypeOf<JwtClaims>()
      expectTypeOf(request.jwtClaims.iss).toEqualTypeOf<string | undefined>()
      expectTypeOf(request.jwtScopes).toEqualTypeOf<readonly string[]>()
      expectTypeOf(currentJwtUser(request)).toEqualTypeOf<string>()
      return {}
    })
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
    // @ts-expect-error a JWKS issuer needs an audience
    const bad: FbiSecurityOptions = { issuers: [{ issuer: 'b', kind: 'jwks', jwksUrl: 'https://b/jwks' }] }
    void bad
    // @ts-expect-error scopesPresent takes scope names
    const wrong = () => scopesPresent(42)
    void wrong
  })
})
