import type { FastifyInstance } from 'fastify'
import { describe, expect, it } from 'vitest'
import { keyPresent } from '../src/index.js'
import { bearer, buildApp, internalToken } from './helpers.js'

async function appWith(cacheSize?: number): Promise<FastifyInstance> {
  return buildApp({
    security: cacheSize === undefined ? {} : { cacheSize },
    routes: (a) =>
      a.get('/p', { config: { protect: keyPresent('patient_id') } }, async (r) => ({ claims: r.jwtClaims })),
  })
}

describe('verified-token cache', () => {
  it('serves repeat calls with the same principal object, frozen so one request cannot change another', async (ctx) => {
    const seen: unknown[] = []
    const app = await buildApp({
      routes: (a) =>
        a.get('/p', { config: { protect: keyPresent('patient_id') } }, async (r) => {
          seen.push(r.jwtClaims)
          let mutated = true
          try {
            ;(r.jwtClaims as Record<string, unknown>).patient_id = 'someone-else'
          } catch {
            mutated = false
          }
          return { mutated, claims: r.jwtClaims }
        }),
    })
    ctx.onTestFinished(() => app.close())
    const token = internalToken({ metadata: { patient_id: 'p1' } })
    const first = await app.inject({ url: '/p', headers: bearer(token) })
    const second = await app.inject({ url: '/p', headers: bearer(token) })
    expect(first.statusCode).toBe(200)
    expect(first.json()).toMatchObject({ mutated: false, claims: { patient_id: 'p1' } })
    expect(second.json()).toEqual(first.json())
    expect(seen[1]).toBe(seen[0])
  })

  it('never serves a token past its exp', async (ctx) => {
    const app = await appWith()
    ctx.onTestFinished(() => app.close())
    const token = internalToken({ metadata: { patient_id: 'p1' }, expiresInSec: 1 })
    expect((await app.inject({ url: '/p', headers: bearer(token) })).statusCode).toBe(200)
    await new Promise((resolve) => setTimeout(resolve, 1100))
    expect((await app.inject({ url: '/p', headers: bearer(token) })).statusCode).toBe(401)
  })

  it('works with the cache turned off', async (ctx) => {
    const app = await appWith(0)
    ctx.onTestFinished(() => app.close())
    const token = internalToken({ metadata: { patient_id: 'p1' } })
    expect((await app.inject({ url: '/p', headers: bearer(token) })).statusCode).toBe(200)
    expect((await app.inject({ url: '/p', headers: bearer(token) })).statusCode).toBe(200)
  })
})
