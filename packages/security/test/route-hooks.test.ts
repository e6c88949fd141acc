import type { FastifyRequest } from 'fastify'
import { describe, expect, it } from 'vitest'
import { keyPresent, type PredicateLike } from '../src/index.js'
import { bearer, buildApp, internalToken } from './helpers.js'

describe('per-route hooks', () => {
  it("keeps the route's own onRequest hooks, running them after verification", async (ctx) => {
    const order: string[] = []
    const mine = async (request: FastifyRequest) => {
      order.push(`own:${request.jwtClaims ? 'verified' : 'not verified'}`)
    }
    const app = await buildApp({
      routes: (a) => {
        a.get('/one', { onRequest: mine, config: { protect: keyPresent('patient_id') } }, async () => ({}))
        a.get(
          '/many',
          { onRequest: [mine, mine], config: { protect: keyPresent('patient_id') } },
          async () => ({}),
        )
      },
    })
    ctx.onTestFinished(() => app.close())
    const headers = bearer(internalToken({ metadata: { patient_id: 'p' } }))
    expect((await app.inject({ url: '/one', headers })).statusCode).toBe(200)
    expect((await app.inject({ url: '/many', headers })).statusCode).toBe(200)
    expect(order).toEqual(['own:verified', 'own:verified', 'own:verified'])
    // Refused requests never reach the route's hooks.
    expect((await app.inject({ url: '/one' })).statusCode).toBe(401)
    expect(order).toHaveLength(3)
  })

  it('leaves a shared config object untouched', async (ctx) => {
    const config = { protect: keyPresent('patient_id') }
    const app = await buildApp({
      routes: (a) => {
        a.get('/a', { config }, async () => ({}))
        a.get('/b', { config }, async () => ({}))
      },
    })
    ctx.onTestFinished(() => app.close())
    expect(Object.getOwnPropertySymbols(config)).toEqual([])
    expect((await app.inject({ url: '/b' })).statusCode).toBe(401)
  })

  it('passes an error thrown by a custom predicate to the error handler (500), not a denial', async (ctx) => {
    const broken: PredicateLike = () => {
      throw new Error('bug in my predicate')
    }
    const rejecting: PredicateLike = async () => {
      throw new Error('async bug')
    }
    const app = await buildApp({
      env: { ENVIRONMENT: 'PRODUCTION' },
      routes: (a) => {
        a.get('/sync', { config: { protect: broken } }, async () => ({}))
        a.get('/async', { config: { protect: rejecting } }, async () => ({}))
      },
    })
    ctx.onTestFinished(() => app.close())
    const headers = bearer(internalToken())
    for (const url of ['/sync', '/async']) {
      const res = await app.inject({ url, headers })
      expect(res.statusCode).toBe(500)
      expect(res.json()).toEqual({ code: 500, message: 'Internal Server Error' })
    }
  })
})
