import { describe, expect, it } from 'vitest'
import { ASYMMETRIC_ALGORITHMS, HS_ALGORITHMS, HS_MIN_KEY_BYTES } from '../src/index.js'
import { forgeToken } from '../src/testing/index.js'
import { bearer, buildApp, INTERNAL } from './helpers.js'

describe('exported algorithm lists', () => {
  it('are frozen, so a consumer cannot widen an issuer allow-list at runtime', async (ctx) => {
    expect(Object.isFrozen(HS_ALGORITHMS)).toBe(true)
    expect(Object.isFrozen(ASYMMETRIC_ALGORITHMS)).toBe(true)
    expect(Object.isFrozen(HS_MIN_KEY_BYTES)).toBe(true)
    expect(() => (HS_ALGORITHMS as string[]).push('none')).toThrow(TypeError)
    expect(() => (ASYMMETRIC_ALGORITHMS as string[]).push('HS256')).toThrow(TypeError)
    expect(() => {
      ;(HS_MIN_KEY_BYTES as Record<string, number>).HS256 = 1
    }).toThrow(TypeError)
    expect(HS_ALGORITHMS).toEqual(['HS256', 'HS384', 'HS512'])

    const app = await buildApp({
      routes: (a) => a.get('/p', { config: { protect: () => true } }, async () => ({ ok: true })),
    })
    ctx.onTestFinished(() => app.close())
    const unsigned = forgeToken(
      { alg: 'none' },
      { iss: INTERNAL, aud: INTERNAL, exp: Math.floor(Date.now() / 1000) + 60 },
    )
    expect((await app.inject({ url: '/p', headers: bearer(unsigned) })).statusCode).toBe(401)
  })
})
