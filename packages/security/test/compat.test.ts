import type { FastifyInstance } from 'fastify'
import { describe, expect, it } from 'vitest'
import {
  FBI_SECURITY_INVALID_OPTION,
  type FbiSecurityOptions,
  matchKeys,
  scopesPresent,
} from '../src/index.js'
import { forgeToken, type HsAlgorithm, mintHsToken } from '../src/testing/index.js'
import { BASE_ENV, bearer, buildApp, FORBIDDEN, INTERNAL, internalToken } from './helpers.js'

/*
 * compat: 'flask' answers as Flask Batteries Included did, for a service beside (or in place of)
 * one of its services: every refusal a 403 without a challenge, the scheme read as the original
 * read it, scopes only as a string. The claim and key relaxations are separate, explicit switches.
 */

const protect = { config: { protect: scopesPresent('read:x') } }
const now = () => Math.floor(Date.now() / 1000)

function compatApp(
  how: 'config' | 'option',
  security: FbiSecurityOptions = {},
  logs?: Record<string, unknown>[],
): Promise<FastifyInstance> {
  return buildApp({
    ...(how === 'config' ? { compat: 'flask' as const } : {}),
    security: how === 'option' ? { compat: 'flask', ...security } : security,
    routes: (a) =>
      a.get('/p/:patient_id', { config: { protect: matchKeys({ patient_id: 'patient_id' }) } }, ok),
    ...(logs ? { logs } : {}),
  })
}

const ok = async () => ({ ok: true })

describe("compat 'flask': every refusal is a 403 without WWW-Authenticate", () => {
  const valid = () => internalToken({ metadata: { patient_id: 'p1' }, scope: 'read:x' })
  const CASES: { name: string; authorization?: string }[] = [
    { name: 'no Authorization header' },
    { name: 'another scheme', authorization: 'Basic dXNlcjpwYXNz' },
    { name: 'a bare token', authorization: valid() },
    { name: 'lowercase bearer (the original matched "Bearer " exactly)', authorization: `bearer ${valid()}` },
    { name: 'two spaces', authorization: `Bearer  ${valid()}` },
    { name: 'garbage', authorization: 'Bearer not.a.jwt' },
    {
      name: 'alg none',
      authorization: `Bearer ${forgeToken({ alg: 'none' }, { iss: INTERNAL, aud: INTERNAL, exp: now() + 60 })}`,
    },
    { name: 'expired', authorization: `Bearer ${internalToken({ expiresInSec: -60 })}` },
    { name: 'unknown issuer', authorization: `Bearer ${internalToken({ issuer: 'http://evil/' })}` },
    {
      name: 'wrong key',
      authorization: `Bearer ${mintHsToken({ key: 'x'.repeat(40), issuer: INTERNAL, audience: INTERNAL })}`,
    },
    {
      name: 'scope as a JSON array (the original accepted only a string)',
      authorization: `Bearer ${internalToken({ metadata: { patient_id: 'p1' }, scope: ['read:x'], scopeAsArray: true })}`,
    },
    {
      name: 'a valid token the predicate refuses',
      authorization: `Bearer ${internalToken({ metadata: { patient_id: 'p2' } })}`,
    },
  ]
  for (const how of ['config', 'option'] as const) {
    it.for(CASES)(`(${how}) $name`, async ({ authorization }, ctx) => {
      const app = await compatApp(how)
      ctx.onTestFinished(() => app.close())
      const res = await app.inject({
        url: '/p/p1',
        headers: authorization === undefined ? {} : { authorization },
      })
      expect(res.statusCode).toBe(403)
      expect(res.json()).toEqual(FORBIDDEN)
      expect(res.headers['www-authenticate']).toBeUndefined()
    })
  }

  it('a valid token still passes', async (ctx) => {
    const app = await compatApp('config')
    ctx.onTestFinished(() => app.close())
    const res = await app.inject({ url: '/p/p1', headers: bearer(valid()) })
    expect(res.statusCode).toBe(200)
  })

  it("the plugin's compat: false overrides the configuration's", async (ctx) => {
    const app = await buildApp({
      compat: 'flask',
      security: { compat: false },
      routes: (a) => a.get('/p', protect, ok),
    })
    ctx.onTestFinished(() => app.close())
    const res = await app.inject({ url: '/p' })
    expect(res.statusCode).toBe(401)
    expect(res.headers['www-authenticate']).toBe('Bearer')
  })
})

describe('claimRequirements: tokens without aud or exp, per issuer, explicit and loud', () => {
  async function appWith(
    claimRequirements: FbiSecurityOptions['claimRequirements'],
    logs: Record<string, unknown>[],
  ) {
    return buildApp({
      env: { ENVIRONMENT: 'PRODUCTION', HS_KEY: 'k'.repeat(64) },
      security: { claimRequirements },
      routes: (a) => a.get('/p', protect, ok),
      logs,
    })
  }
  const token = (overrides: Parameters<typeof internalToken>[0]) =>
    mintHsToken({ key: 'k'.repeat(64), issuer: INTERNAL, audience: INTERNAL, scope: 'read:x', ...overrides })

  it('are refused by default', async (ctx) => {
    const logs: Record<string, unknown>[] = []
    const app = await appWith(undefined, logs)
    ctx.onTestFinished(() => app.close())
    for (const t of [token({ audience: undefined }), token({ expiresInSec: null })]) {
      expect((await app.inject({ url: '/p', headers: bearer(t) })).statusCode).toBe(401)
    }
  })

  it('requireAudience: false accepts a token without aud, still refuses a wrong aud, and warns in production', async (ctx) => {
    const logs: Record<string, unknown>[] = []
    const app = await appWith({ [INTERNAL]: { requireAudience: false } }, logs)
    ctx.onTestFinished(() => app.close())
    expect(
      (await app.inject({ url: '/p', headers: bearer(token({ audience: undefined })) })).statusCode,
    ).toBe(200)
    expect(
      (await app.inject({ url: '/p', headers: bearer(token({ audience: 'http://other/' })) })).statusCode,
    ).toBe(401)
    expect((await app.inject({ url: '/p', headers: bearer(token({ expiresInSec: null })) })).statusCode).toBe(
      401,
    )
    expect(logs.find((l) => String(l.msg).includes('ACCEPTED'))).toMatchObject({
      level: 40,
      issuer: INTERNAL,
      notRequired: ['aud'],
    })
  })

  it('requireExpiry: false accepts a token without exp, still refuses an expired one', async (ctx) => {
    const logs: Record<string, unknown>[] = []
    const app = await appWith({ [INTERNAL]: { requireExpiry: false, requireAudience: false } }, logs)
    ctx.onTestFinished(() => app.close())
    const unlimited = token({ expiresInSec: null, audience: undefined })
    for (let i = 0; i < 3; i++) {
      expect((await app.inject({ url: '/p', headers: bearer(unlimited) })).statusCode).toBe(200)
    }
    expect((await app.inject({ url: '/p', headers: bearer(token({ expiresInSec: -5 })) })).statusCode).toBe(
      401,
    )
    expect(logs.find((l) => String(l.msg).includes('ACCEPTED'))).toMatchObject({
      notRequired: ['aud', 'exp'],
    })
  })

  it('naming an issuer that is not trusted fails startup', async () => {
    await expect(
      buildApp({ security: { claimRequirements: { 'http://typo/': { requireAudience: false } } } }),
    ).rejects.toThrow(FBI_SECURITY_INVALID_OPTION)
    await expect(
      buildApp({ security: { claimRequirements: { [INTERNAL]: { requireAud: false } as never } } }),
    ).rejects.toThrow(/claimRequirements/)
  })
})

describe("compat 'flask': short HS keys", () => {
  it('are accepted for every HS algorithm in production, with a warning naming the issuer', async (ctx) => {
    const logs: Record<string, unknown>[] = []
    const key = 'short-platform-key'
    const app = await buildApp({
      env: { ...BASE_ENV, ENVIRONMENT: 'PRODUCTION', HS_KEY: key },
      compat: 'flask',
      routes: (a) => a.get('/p', protect, ok),
      logs,
    })
    ctx.onTestFinished(() => app.close())
    for (const algorithm of ['HS256', 'HS384', 'HS512'] as HsAlgorithm[]) {
      const t = mintHsToken({ key, issuer: INTERNAL, audience: INTERNAL, scope: 'read:x', algorithm })
      expect((await app.inject({ url: '/p', headers: bearer(t) })).statusCode).toBe(200)
    }
    expect(logs.find((l) => String(l.msg).startsWith('HS key too short'))).toMatchObject({
      level: 40,
      issuer: INTERNAL,
      msg: expect.stringContaining("compat is 'flask'"),
    })
    expect(JSON.stringify(logs)).not.toContain(key)
  })
})
