import { createHmac } from 'node:crypto'
import type { FastifyInstance } from 'fastify'
import { describe, expect, it } from 'vitest'
import { keyPresent } from '../src/index.js'
import { forgeToken, mintHsToken } from '../src/testing/index.js'
import type { BuildOptions } from './helpers.js'
import {
  bearer,
  buildApp,
  FORBIDDEN,
  HS_KEY,
  INTERNAL,
  INVALID_TOKEN,
  internalToken,
  UNAUTHORIZED,
} from './helpers.js'

function protectedApp(options: Omit<BuildOptions, 'routes'> = {}): Promise<FastifyInstance> {
  return buildApp({
    ...options,
    routes: (app) =>
      app.get('/p', { config: { protect: keyPresent('patient_id') } }, async (request) => ({
        claims: request.jwtClaims,
        scopes: request.jwtScopes,
      })),
  })
}

const METADATA = { patient_id: 'p1' }

function hmac(alg: 'sha256', key: string, input: string): string {
  return createHmac(alg, key).update(input).digest('base64url')
}

async function expect401(app: FastifyInstance, token: string): Promise<void> {
  const res = await app.inject({ url: '/p', headers: bearer(token) })
  expect(res.statusCode).toBe(401)
  expect(res.json()).toEqual(UNAUTHORIZED)
  expect(res.headers['www-authenticate']).toBe(INVALID_TOKEN)
  expect(res.headers['content-type']).toBe('application/json; charset=utf-8')
}

describe('HS issuer verification', () => {
  it('accepts a valid token and exposes normalised claims and scopes', async (ctx) => {
    const app = await protectedApp()
    ctx.onTestFinished(() => app.close())
    const token = internalToken({ metadata: METADATA, scope: 'read:a write:b', subject: 'user-1' })
    const res = await app.inject({ url: '/p', headers: bearer(token) })
    expect(res.statusCode).toBe(200)
    const body = res.json()
    expect(body.scopes).toEqual(['read:a', 'write:b'])
    expect(body.claims).toMatchObject({ patient_id: 'p1', iss: INTERNAL, sub: 'user-1' })
    expect(body.claims.raw).toMatchObject({ iss: INTERNAL, aud: INTERNAL, metadata: METADATA })
  })

  it.for(['HS256', 'HS384', 'HS512'] as const)('accepts %s', async (algorithm, ctx) => {
    const app = await protectedApp()
    ctx.onTestFinished(() => app.close())
    const res = await app.inject({
      url: '/p',
      headers: bearer(internalToken({ metadata: METADATA, algorithm })),
    })
    expect(res.statusCode).toBe(200)
  })

  it('refuses alg none', async (ctx) => {
    const app = await protectedApp()
    ctx.onTestFinished(() => app.close())
    const payload = {
      iss: INTERNAL,
      aud: INTERNAL,
      exp: Math.floor(Date.now() / 1000) + 300,
      metadata: METADATA,
    }
    await expect401(app, forgeToken({ alg: 'none', typ: 'JWT' }, payload))
    await expect401(app, forgeToken({ alg: 'none', typ: 'JWT' }, payload, 'c2ln'))
    await expect401(app, forgeToken({ alg: 'NONE' }, payload))
  })

  it('refuses odd algorithm names, wrongly typed claims and non-object parts, signed with the right key', async (ctx) => {
    const app = await protectedApp()
    ctx.onTestFinished(() => app.close())
    const exp = Math.floor(Date.now() / 1000) + 300
    const good = { iss: INTERNAL, aud: INTERNAL, exp, metadata: METADATA }
    const signed = (header: unknown, payload: unknown, raw = false): string => {
      const h = Buffer.from(JSON.stringify(header)).toString('base64url')
      const p = raw
        ? Buffer.from(String(payload)).toString('base64url')
        : Buffer.from(JSON.stringify(payload)).toString('base64url')
      return `${h}.${p}.${hmac('sha256', HS_KEY, `${h}.${p}`)}`
    }
    // The control: the same construction with a proper header verifies.
    expect(
      (await app.inject({ url: '/p', headers: bearer(signed({ alg: 'HS256' }, good)) })).statusCode,
    ).toBe(200)
    for (const alg of ['hs256', 'HS256 ', ['HS256'], 256, null]) await expect401(app, signed({ alg }, good))
    await expect401(app, signed({ alg: 'HS256' }, { ...good, exp: String(exp) }))
    await expect401(app, signed({ alg: 'HS256' }, { ...good, nbf: 'yesterday' }))
    await expect401(app, signed({ alg: 'HS256' }, { ...good, aud: 42 }))
    await expect401(app, signed({ alg: 'HS256' }, { ...good, aud: { a: INTERNAL } }))
    await expect401(app, signed('HS256', good))
    await expect401(app, signed({ alg: 'HS256' }, 'not json', true))
    await expect401(app, signed({ alg: 'HS256' }, [good]))
    // Base64 padding and other characters outside base64url are not silently dropped.
    const [h, p, sig] = signed({ alg: 'HS256' }, good).split('.')
    await expect401(app, `${h}.${p}=.${sig}`)
    await expect401(app, `${h}.${p}.${sig}=`)
  })

  it('refuses a tampered payload', async (ctx) => {
    const app = await protectedApp()
    ctx.onTestFinished(() => app.close())
    const [header, , signature] = internalToken({ metadata: { patient_id: 'p1' } }).split('.')
    const forged = Buffer.from(
      JSON.stringify({
        iss: INTERNAL,
        aud: INTERNAL,
        exp: Math.floor(Date.now() / 1000) + 300,
        metadata: { patient_id: 'p2' },
      }),
    ).toString('base64url')
    await expect401(app, `${header}.${forged}.${signature}`)
  })

  it('refuses a stripped signature', async (ctx) => {
    const app = await protectedApp()
    ctx.onTestFinished(() => app.close())
    const [header, payload] = internalToken({ metadata: METADATA }).split('.')
    await expect401(app, `${header}.${payload}.`)
    await expect401(app, `${header}.${payload}`)
  })

  it('refuses a token signed with another key', async (ctx) => {
    const app = await protectedApp()
    ctx.onTestFinished(() => app.close())
    await expect401(
      app,
      mintHsToken({ key: 'another-key', issuer: INTERNAL, audience: INTERNAL, metadata: METADATA }),
    )
    // The right key over a header that names another algorithm is no signature either.
    const input = `${Buffer.from('{"alg":"HS512"}').toString('base64url')}.${Buffer.from(JSON.stringify({ iss: INTERNAL, aud: INTERNAL, exp: 4102444800 })).toString('base64url')}`
    await expect401(app, `${input}.${hmac('sha256', HS_KEY, input)}`)
  })

  it('refuses an expired token, and honours clockToleranceSec', async (ctx) => {
    const strict = await protectedApp()
    ctx.onTestFinished(() => strict.close())
    const token = internalToken({ metadata: METADATA, expiresInSec: -10 })
    await expect401(strict, token)
    const tolerant = await protectedApp({ security: { clockToleranceSec: 60 } })
    ctx.onTestFinished(() => tolerant.close())
    expect((await tolerant.inject({ url: '/p', headers: bearer(token) })).statusCode).toBe(200)
  })

  it('refuses a token that is not yet valid (nbf)', async (ctx) => {
    const app = await protectedApp()
    ctx.onTestFinished(() => app.close())
    await expect401(app, internalToken({ metadata: METADATA, notBeforeSec: 60 }))
    const res = await app.inject({
      url: '/p',
      headers: bearer(internalToken({ metadata: METADATA, notBeforeSec: -60 })),
    })
    expect(res.statusCode).toBe(200)
  })

  it('refuses a wrong or missing audience', async (ctx) => {
    const app = await protectedApp()
    ctx.onTestFinished(() => app.close())
    await expect401(app, internalToken({ metadata: METADATA, audience: 'http://other/' }))
    await expect401(app, internalToken({ metadata: METADATA, audience: undefined }))
    await expect401(app, internalToken({ metadata: METADATA, audience: ['http://other/', 'http://x/'] }))
    const list = await app.inject({
      url: '/p',
      headers: bearer(internalToken({ metadata: METADATA, audience: ['http://other/', INTERNAL] })),
    })
    expect(list.statusCode).toBe(200)
  })

  it('refuses a token without exp', async (ctx) => {
    const app = await protectedApp()
    ctx.onTestFinished(() => app.close())
    await expect401(app, internalToken({ metadata: METADATA, expiresInSec: null }))
  })

  it('refuses an unknown, missing or non-string issuer', async (ctx) => {
    const app = await protectedApp()
    ctx.onTestFinished(() => app.close())
    await expect401(
      app,
      mintHsToken({ key: HS_KEY, issuer: 'http://evil/', audience: INTERNAL, metadata: METADATA }),
    )
    await expect401(app, internalToken({ metadata: METADATA, extra: { iss: undefined } }))
    await expect401(app, internalToken({ metadata: METADATA, extra: { iss: 42 } }))
    await expect401(app, internalToken({ metadata: METADATA, extra: { iss: [INTERNAL] } }))
  })

  it('refuses tokens older than maxTokenAge', async (ctx) => {
    const app = await protectedApp({ security: { maxTokenAge: 60 } })
    ctx.onTestFinished(() => app.close())
    await expect401(app, internalToken({ metadata: METADATA, issuedAgoSec: 120 }))
    await expect401(app, internalToken({ metadata: METADATA, extra: { iat: undefined } }))
    expect(
      (
        await app.inject({
          url: '/p',
          headers: bearer(internalToken({ metadata: METADATA, issuedAgoSec: 10 })),
        })
      ).statusCode,
    ).toBe(200)
  })

  it('says why at debug level only, never logging the token', async (ctx) => {
    const logs: Record<string, unknown>[] = []
    const app = await protectedApp({ logs })
    ctx.onTestFinished(() => app.close())
    const token = internalToken({ metadata: METADATA, expiresInSec: -10 })
    await expect401(app, token)
    const refusal = logs.find((line) => line.msg === 'Unauthorized: bearer token refused')
    expect(refusal).toMatchObject({ level: 20, reason: expect.stringMatching(/expired/) })
    expect(refusal?.reqId).toBeDefined()
    const all = JSON.stringify(logs)
    expect(all).not.toContain(token)
    expect(all).not.toContain(token.split('.')[2])
  })

  it('answers 401 (not 403) for an invalid token and 403 for a valid one the predicate refuses', async (ctx) => {
    const app = await protectedApp()
    ctx.onTestFinished(() => app.close())
    await expect401(app, internalToken({ metadata: METADATA, expiresInSec: -1 }))
    const res = await app.inject({
      url: '/p',
      headers: bearer(internalToken({ metadata: { clinician_id: 'c1' } })),
    })
    expect(res.statusCode).toBe(403)
    expect(res.json()).toEqual(FORBIDDEN)
    expect(res.headers['www-authenticate']).toBeUndefined()
  })
})
