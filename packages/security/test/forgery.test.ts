import { createHmac, createPublicKey, createSign, generateKeyPairSync } from 'node:crypto'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import {
  argumentNotPresent,
  argumentPresent,
  fieldInBodyMatchesClaim,
  fieldInPathMatchesClaim,
  issuerIn,
  keyContainsValue,
  keyContainsValueInList,
  keyPresent,
  matchKeys,
  type Predicate,
  scopesPresent,
} from '../src/index.js'
import { TestJwksServer } from '../src/testing/index.js'
import {
  auth0Env,
  bearer,
  buildApp,
  FORBIDDEN,
  HS_KEY,
  INTERNAL,
  INVALID_TOKEN,
  UNAUTHORIZED,
} from './helpers.js'

/*
 * Token forgery beyond verification.test.ts and jwks.test.ts. Every forged token here is signed
 * correctly for what it carries (HMAC with the service's own HS_KEY, or the attacker's key where the
 * attack is key substitution), so the one defect under test is the only reason it can fail.
 */

const AUDIENCE = 'https://api.example.com/'
const SCOPE_KEY = 'https://example.com/scope'
const HASH = { HS256: 'sha256', HS384: 'sha384', HS512: 'sha512' } as const

const enc = (part: unknown): string => Buffer.from(JSON.stringify(part)).toString('base64url')
const raw = (text: string): string => Buffer.from(text).toString('base64url')
const now = () => Math.floor(Date.now() / 1000)

/** header.payload, HMAC-signed with `key` (the service's HS_KEY by default). */
function hmacToken(
  header: string,
  payload: string,
  { key = HS_KEY as string | Buffer, hash = 'sha256' } = {},
): string {
  const input = `${header}.${payload}`
  return `${input}.${createHmac(hash, key).update(input).digest('base64url')}`
}

function goodPayload(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    iss: INTERNAL,
    aud: INTERNAL,
    exp: now() + 300,
    metadata: { patient_id: 'p1' },
    scope: 'read:x',
    ...extra,
  }
}

let internalApp: FastifyInstance

beforeAll(async () => {
  internalApp = await buildApp({
    routes: (app) =>
      app.get('/p', { config: { protect: keyPresent('patient_id') } }, async () => ({ ok: true })),
  })
})
afterAll(async () => {
  await internalApp.close()
})

async function statusOf(app: FastifyInstance, token: string, url = '/p'): Promise<number> {
  const res = await app.inject({ url, headers: bearer(token) })
  if (res.statusCode === 401) {
    expect(res.json()).toEqual(UNAUTHORIZED)
    expect(res.headers['www-authenticate']).toBe(INVALID_TOKEN)
  }
  if (res.statusCode === 403) expect(res.json()).toEqual(FORBIDDEN)
  expect(res.statusCode).toBeLessThan(500)
  return res.statusCode
}

describe('HS issuer: forged headers and payloads signed with the right key', () => {
  it('the construction itself verifies (control)', async () => {
    expect(
      await statusOf(internalApp, hmacToken(enc({ alg: 'HS256', typ: 'JWT' }), enc(goodPayload()))),
    ).toBe(200)
    for (const alg of ['HS384', 'HS512'] as const) {
      const token = hmacToken(enc({ alg }), enc(goodPayload()), { hash: HASH[alg] })
      expect(await statusOf(internalApp, token)).toBe(200)
    }
  })

  const ALGS: unknown[] = [
    'hs256',
    'Hs256',
    'HS256 ',
    ' HS256',
    'HS256\u0000',
    'HS 256',
    'HS-256',
    'HMAC-SHA256',
    'none',
    'None',
    'NONE',
    'nOnE',
    '',
    123,
    256,
    0,
    true,
    null,
    [],
    ['HS256'],
    {},
    { alg: 'HS256' },
  ]
  it.for(ALGS.map((alg) => ({ alg, label: JSON.stringify(alg) })))('alg $label → 401', async ({ alg }) => {
    const payload = enc(goodPayload())
    expect(await statusOf(internalApp, hmacToken(enc({ alg, typ: 'JWT' }), payload))).toBe(401)
    // And unsigned, as an alg:none token would be.
    expect(await statusOf(internalApp, `${enc({ alg })}.${payload}.`)).toBe(401)
  })

  it('a header without alg → 401', async () => {
    expect(await statusOf(internalApp, hmacToken(enc({ typ: 'JWT' }), enc(goodPayload())))).toBe(401)
  })

  it('a header with crit names an extension we do not understand → 401 (RFC 7515 §4.1.11)', async () => {
    const token = hmacToken(enc({ alg: 'HS256', crit: ['exp-ext'], 'exp-ext': true }), enc(goodPayload()))
    expect(await statusOf(internalApp, token)).toBe(401)
  })

  const TIME_CLAIMS: { name: string; claims: Record<string, unknown> }[] = [
    { name: 'exp as a numeric string', claims: { exp: String(now() + 300) } },
    { name: 'exp "9999999999"', claims: { exp: '9999999999' } },
    { name: 'exp as an array', claims: { exp: [now() + 300] } },
    { name: 'exp as an object', claims: { exp: { value: now() + 300 } } },
    { name: 'exp true', claims: { exp: true } },
    { name: 'exp null', claims: { exp: null } },
    { name: 'exp negative', claims: { exp: -1 } },
    { name: 'exp 0', claims: { exp: 0 } },
    { name: 'exp a past float', claims: { exp: now() - 10.5 } },
    { name: 'nbf as a string', claims: { nbf: '0' } },
    { name: 'nbf as an array', claims: { nbf: [0] } },
    { name: 'nbf in the future as a float', claims: { nbf: now() + 120.5 } },
    { name: 'iat as a string (with maxTokenAge)', claims: { iat: String(now()) } },
    { name: 'iat "foo"', claims: { iat: 'foo' } },
    { name: 'iat as a numeric string', claims: { iat: String(now()) } },
    { name: 'iat null', claims: { iat: null } },
    { name: 'iat true', claims: { iat: true } },
    { name: 'iat as an array', claims: { iat: [now()] } },
    { name: 'iat an hour ahead (with maxTokenAge)', claims: { iat: now() + 3600 } },
    { name: 'iat a minute ahead (with maxTokenAge)', claims: { iat: now() + 60 } },
    { name: 'sub a number', claims: { sub: 5 } },
    { name: 'sub an object', claims: { sub: { id: 'u' } } },
    { name: 'sub null', claims: { sub: null } },
    { name: 'jti a number', claims: { jti: 7 } },
    { name: 'jti a list', claims: { jti: ['a'] } },
  ]
  it.for(TIME_CLAIMS)('$name → 401', async ({ name, claims }, ctx) => {
    const app = name.includes('maxTokenAge')
      ? await buildApp({
          security: { maxTokenAge: 60 },
          routes: (a) =>
            a.get('/p', { config: { protect: keyPresent('patient_id') } }, async () => ({ ok: true })),
        })
      : internalApp
    if (app !== internalApp) ctx.onTestFinished(() => app.close())
    expect(await statusOf(app, hmacToken(enc({ alg: 'HS256' }), enc(goodPayload(claims))))).toBe(401)
  })

  it('iat in the future passes without maxTokenAge (as the original), and within the tolerance with it', async (ctx) => {
    expect(
      await statusOf(internalApp, hmacToken(enc({ alg: 'HS256' }), enc(goodPayload({ iat: now() + 3600 })))),
    ).toBe(200)
    const app = await buildApp({
      security: { maxTokenAge: 60, clockToleranceSec: 30 },
      routes: (a) =>
        a.get('/p', { config: { protect: keyPresent('patient_id') } }, async () => ({ ok: true })),
    })
    ctx.onTestFinished(() => app.close())
    const token = (iat: number) =>
      hmacToken(enc({ alg: 'HS256' }), enc(goodPayload({ iat, sub: 'u', jti: 'j' })))
    expect(await statusOf(app, token(now() + 20))).toBe(200)
    expect(await statusOf(app, token(now() - 50))).toBe(200)
    expect(await statusOf(app, token(now() + 45))).toBe(401)
    expect(await statusOf(app, token(now() - 100))).toBe(401)
  })

  it('exp as a future non-integer NumericDate is valid (RFC 7519 §2 allows fractions)', async () => {
    const token = hmacToken(enc({ alg: 'HS256' }), enc(goodPayload({ exp: now() + 300.25 })))
    expect(await statusOf(internalApp, token)).toBe(200)
  })

  const AUD_ISS: { name: string; claims: Record<string, unknown> }[] = [
    { name: 'aud a number', claims: { aud: 1 } },
    { name: 'aud true', claims: { aud: true } },
    { name: 'aud null', claims: { aud: null } },
    { name: 'aud an object', claims: { aud: { [INTERNAL]: true } } },
    { name: 'aud an empty list', claims: { aud: [] } },
    { name: 'aud a nested list', claims: { aud: [[INTERNAL]] } },
    { name: 'aud a list of numbers', claims: { aud: [1, 2] } },
    { name: 'aud with a trailing space', claims: { aud: `${INTERNAL} ` } },
    { name: 'aud in another case', claims: { aud: INTERNAL.toUpperCase() } },
    { name: 'aud without the slash', claims: { aud: INTERNAL.slice(0, -1) } },
    { name: 'iss an object', claims: { iss: { iss: INTERNAL } } },
    { name: 'iss null', claims: { iss: null } },
    { name: 'iss true', claims: { iss: true } },
    { name: 'iss empty', claims: { iss: '' } },
    { name: 'iss with a trailing space', claims: { iss: `${INTERNAL} ` } },
    { name: 'iss in another case', claims: { iss: INTERNAL.toUpperCase() } },
    { name: 'iss with a look-alike character', claims: { iss: INTERNAL.replace('o', '\u043e') } },
  ]
  it.for(AUD_ISS)('$name → 401', async ({ claims }) => {
    expect(await statusOf(internalApp, hmacToken(enc({ alg: 'HS256' }), enc(goodPayload(claims))))).toBe(401)
  })

  const NOT_OBJECTS: unknown[] = [[], [goodPayload()], 'a string', 42, 1.5, null, true, false]
  it.for(NOT_OBJECTS.map((v) => ({ v, label: JSON.stringify(v).slice(0, 30) })))(
    'header or payload $label (not a JSON object) → 401',
    async ({ v }) => {
      expect(await statusOf(internalApp, hmacToken(enc({ alg: 'HS256' }), enc(v)))).toBe(401)
      expect(await statusOf(internalApp, hmacToken(enc(v), enc(goodPayload())))).toBe(401)
    },
  )

  it('parts that are not JSON at all → 401', async () => {
    for (const text of [
      '',
      '{',
      '{"alg":"HS256"',
      'undefined',
      'NaN',
      "{'alg':'HS256'}",
      '\ufeff{"alg":"HS256"}',
    ]) {
      expect(await statusOf(internalApp, hmacToken(raw(text), enc(goodPayload())))).toBe(401)
      expect(await statusOf(internalApp, hmacToken(enc({ alg: 'HS256' }), raw(text)))).toBe(401)
    }
  })

  it('characters outside base64url, with a signature valid over exactly those characters → 401', async () => {
    const h = enc({ alg: 'HS256' })
    const p = enc(goodPayload())
    const variants: [string, string][] = []
    for (const c of ['+', '/', '=', '==', ' ', '%', '!', '*', '\u00e9', '\t', '~']) {
      variants.push(
        [`${h}${c}`, p],
        [h, `${p}${c}`],
        [`${c}${h}`, p],
        [h, `${p.slice(0, 10)}${c}${p.slice(10)}`],
      )
    }
    // Standard base64 of a header whose encoding needs '+' and '/' (base64url would say '-' and '_').
    const odd = JSON.stringify({ alg: 'HS256', note: '>>>???~~~' })
    const standard = Buffer.from(odd).toString('base64')
    expect(standard).toMatch(/[+/]/)
    expect(await statusOf(internalApp, hmacToken(Buffer.from(odd).toString('base64url'), p))).toBe(200)
    variants.push([standard, p], [standard.replace(/=+$/, ''), p])
    const statuses = new Map<string, number>()
    for (const [header, payload] of variants) {
      const token = hmacToken(header, payload)
      statuses.set(`${header}.${payload}`, await statusOf(internalApp, token))
    }
    expect([...statuses].filter(([, status]) => status !== 401)).toEqual([])
  })

  it('wrong segment counts and empty segments → 401', async () => {
    const h = enc({ alg: 'HS256' })
    const p = enc(goodPayload())
    const valid = hmacToken(h, p)
    const s = valid.split('.')[2] as string
    const tokens = [
      h,
      `${h}.${p}`,
      `${valid}.${s}`,
      `${valid}.${s}.${s}`,
      `${h}.${p}.${s}.`,
      `.${p}.${s}`,
      `${h}..${s}`,
      `${h}.${p}.`,
      '..',
      '...',
      '.',
      `${h}.${h}.${p}.${s}`,
      // JWE-shaped: five parts.
      `${h}.${p}.${p}.${p}.${s}`,
    ]
    for (const token of tokens) expect(await statusOf(internalApp, token)).toBe(401)
    // Signed over an empty payload or header.
    expect(await statusOf(internalApp, hmacToken(h, ''))).toBe(401)
    expect(await statusOf(internalApp, hmacToken('', p))).toBe(401)
  })

  it('an internal-issuer token in an asymmetric algorithm, signed with an RSA key → 401', async () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
    const input = `${enc({ alg: 'RS256' })}.${enc(goodPayload())}`
    const signature = createSign('RSA-SHA256').update(input).sign(privateKey).toString('base64url')
    expect(await statusOf(internalApp, `${input}.${signature}`)).toBe(401)
  })
})

describe('JWKS issuer: key confusion and key injection', () => {
  let provider: TestJwksServer
  let app: FastifyInstance

  beforeAll(async () => {
    provider = await TestJwksServer.start({ algorithms: ['RS256'] })
    app = await buildApp({
      groups: { auth0: true },
      env: auth0Env(provider, AUDIENCE, 'https://example.com/metadata'),
      security: { jwksCooldownMs: 0 },
      routes: (a) =>
        a.get('/p', { config: { protect: scopesPresent('read:x') } }, async () => ({ ok: true })),
    })
  })
  afterAll(async () => {
    await app.close()
    await provider.stop()
  })
  beforeEach(() => {
    provider.resetRequestCount()
  })

  function payload(): string {
    return enc({ iss: provider.url, aud: AUDIENCE, exp: now() + 300, [SCOPE_KEY]: 'read:x' })
  }

  it('the provider public key as an HMAC secret, in every encoding and HS size → 401, no fetch', async () => {
    const publicKey = createPublicKey(provider.publicKeyPem('RS256'))
    const pem = provider.publicKeyPem('RS256')
    const der = publicKey.export({ type: 'spki', format: 'der' })
    const pkcs1 = publicKey.export({ type: 'pkcs1', format: 'pem' }).toString()
    const jwk = provider.jwks().keys[0] as Record<string, unknown>
    const secrets: (string | Buffer)[] = [
      pem,
      pem.trimEnd(),
      pkcs1,
      der,
      der.toString('base64'),
      der.toString('base64url'),
      JSON.stringify(jwk),
      JSON.stringify(publicKey.export({ format: 'jwk' })),
      String(jwk.n),
      Buffer.from(String(jwk.n), 'base64url'),
      String(jwk.e),
    ]
    const kid = provider.kid('RS256')
    for (const alg of ['HS256', 'HS384', 'HS512'] as const) {
      for (const kidHeader of [{ kid }, {}]) {
        for (const key of secrets) {
          const token = hmacToken(enc({ alg, typ: 'JWT', ...kidHeader }), payload(), { key, hash: HASH[alg] })
          expect(await statusOf(app, token)).toBe(401)
        }
      }
    }
    // The algorithm is refused before any key is looked up.
    expect(provider.requestCount).toBe(0)
  })

  it('a key embedded in the header (jwk, jku, x5u, x5c) is never used or fetched → 401', async (ctx) => {
    // The attacker's own key pair, published on the attacker's own JWKS endpoint under the provider's kid.
    const kid = provider.kid('RS256')
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
    const attackerJwk = { ...publicKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' }
    let attackerFetches = 0
    const attacker = createServer((_req, res) => {
      attackerFetches++
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [attackerJwk] }))
    })
    await new Promise<void>((resolve) => attacker.listen(0, '127.0.0.1', resolve))
    ctx.onTestFinished(() => new Promise<void>((resolve) => attacker.close(() => resolve())))
    const jku = `http://127.0.0.1:${(attacker.address() as AddressInfo).port}/jwks.json`
    const headers: Record<string, unknown>[] = [
      {},
      { jwk: attackerJwk },
      { jku },
      { x5u: jku },
      { jku, jwk: attackerJwk },
      { x5c: [publicKey.export({ type: 'spki', format: 'der' }).toString('base64')] },
    ]
    for (const extra of headers) {
      const input = `${enc({ alg: 'RS256', typ: 'JWT', kid, ...extra })}.${payload()}`
      const signature = createSign('RSA-SHA256').update(input).sign(privateKey).toString('base64url')
      expect(await statusOf(app, `${input}.${signature}`)).toBe(401)
    }
    expect(attackerFetches).toBe(0)
    // The provider was asked for its own keys (the kid is real), never anything else.
    expect(provider.requestCount).toBeGreaterThanOrEqual(1)
  })
})

describe('claim values of every JSON type against every combinator (no coercion)', () => {
  const VALUES: unknown[] = [
    '123',
    123,
    123.0,
    1.5,
    true,
    false,
    null,
    '',
    [],
    ['123'],
    [123],
    ['123', 123],
    {},
    { 123: '123' },
    [['123']],
  ]
  const label = (v: unknown) => JSON.stringify(v)

  async function appWith(protect: Predicate, method: 'GET' | 'POST' = 'GET'): Promise<FastifyInstance> {
    return buildApp({
      routes: (a) => {
        a.route({
          method,
          url: '/r/:id',
          config: { protect },
          handler: async () => ({ ok: true }),
        })
      },
    })
  }

  function tokenWith(claim: unknown, scope?: unknown): string {
    const payload: Record<string, unknown> = goodPayload({ metadata: { value: claim } })
    if (scope === undefined) delete payload.scope
    else payload.scope = scope
    return hmacToken(enc({ alg: 'HS256' }), enc(payload))
  }

  async function status(app: FastifyInstance, token: string, opts: { body?: unknown; query?: string } = {}) {
    const res = await app.inject({
      method: opts.body === undefined ? 'GET' : 'POST',
      url: `/r/123${opts.query ?? ''}`,
      headers: bearer(token),
      ...(opts.body === undefined
        ? {}
        : {
            payload: opts.body as object,
            headers: { ...bearer(token), 'content-type': 'application/json' },
          }),
    })
    expect([200, 403]).toContain(res.statusCode)
    if (res.statusCode === 403) expect(res.json()).toEqual(FORBIDDEN)
    return res.statusCode
  }

  it('scopesPresent: only a string or a list of strings holding the scope passes; any other type is 403', async (ctx) => {
    const app = await appWith(scopesPresent('read:x'))
    ctx.onTestFinished(() => app.close())
    expect(await status(app, tokenWith('x', 'read:x'))).toBe(200)
    expect(await status(app, tokenWith('x', 'other read:x'))).toBe(200)
    expect(await status(app, tokenWith('x', ['read:x']))).toBe(200)
    for (const scope of [
      ...VALUES,
      'read:xx',
      'READ:X',
      'read:x,other',
      ['read:x', 1],
      { 'read:x': true },
      [['read:x']],
    ]) {
      if (scope === null) continue // null: no scopes at all, covered below
      expect({ scope, status: await status(app, tokenWith('x', scope)) }).toEqual({ scope, status: 403 })
    }
    expect(await status(app, tokenWith('x', null))).toBe(403)
    expect(await status(app, tokenWith('x'))).toBe(403)
  })

  const exact = (v: unknown) => v === '123'
  const inList = (v: unknown) => v === '123' || (Array.isArray(v) && v.includes('123'))
  const COMBINATORS: { name: string; protect: Predicate; passes: (claim: unknown) => boolean }[] = [
    { name: 'keyContainsValue', protect: keyContainsValue('value', '123'), passes: exact },
    { name: 'keyContainsValueInList', protect: keyContainsValueInList('value', ['123', 'x']), passes: exact },
    { name: 'matchKeys', protect: matchKeys({ id: 'value' }), passes: inList },
    { name: 'fieldInPathMatchesClaim', protect: fieldInPathMatchesClaim('id', 'value'), passes: exact },
    { name: 'keyPresent', protect: keyPresent('value'), passes: () => true },
    { name: 'issuerIn', protect: issuerIn(INTERNAL), passes: () => true },
  ]
  it.for(COMBINATORS)('$name against the route param "123"', async ({ protect, passes }, ctx) => {
    const app = await appWith(protect)
    ctx.onTestFinished(() => app.close())
    const got = []
    const want = []
    for (const value of VALUES) {
      got.push([label(value), await status(app, tokenWith(value, 'read:x'))])
      want.push([label(value), passes(value) ? 200 : 403])
    }
    expect(got).toEqual(want)
  })

  it('fieldInBodyMatchesClaim: body and claim must have the same type and value', async (ctx) => {
    const app = await appWith(fieldInBodyMatchesClaim('field', 'value'), 'POST')
    ctx.onTestFinished(() => app.close())
    const got = []
    const want = []
    for (const claim of VALUES) {
      for (const body of ['123', 123, true, null, ['123'], { a: 1 }]) {
        got.push([label(claim), label(body), await status(app, tokenWith(claim), { body: { field: body } })])
        const same = body !== null && typeof body !== 'object' && body === claim
        want.push([label(claim), label(body), same ? 200 : 403])
      }
    }
    expect(got).toEqual(want)
    // A body that is not an object, or lacks the field, never matches.
    for (const body of [['123'], '123', 123]) {
      expect(await status(app, tokenWith('123'), { body: JSON.stringify(body) })).toBe(403)
    }
  })

  it('argumentPresent and argumentNotPresent read query strings, never claims', async (ctx) => {
    const present = await appWith(argumentPresent('compact', 'true'))
    ctx.onTestFinished(() => present.close())
    expect(await status(present, tokenWith(true), { query: '?compact=TRUE' })).toBe(200)
    for (const q of ['', '?compact=1', '?compact=true1', '?compact[]=true', '?compact=%20true'])
      expect(await status(present, tokenWith(true), { query: q })).toBe(403)
    const absent = await appWith(argumentNotPresent('debug'))
    ctx.onTestFinished(() => absent.close())
    expect(await status(absent, tokenWith(null))).toBe(200)
    for (const q of ['?debug', '?debug=', '?debug=0', '?debug=false'])
      expect(await status(absent, tokenWith(null), { query: q })).toBe(403)
  })
})

describe('JWKS issuer: a key the provider removes is revoked', () => {
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

  /** Asks until the answer is not 200 (at most ~3 s): the refresh runs in the background. */
  async function statusOnceRefreshed(app: FastifyInstance, token: string): Promise<number> {
    let status = 200
    for (let i = 0; i < 60 && status === 200; i++) {
      await sleep(50)
      status = await statusOf(app, token)
    }
    return status
  }

  it('tokens it signed are refused after the refresh that drops it, cached ones included', async (ctx) => {
    const provider = await TestJwksServer.start({ algorithms: ['RS256', 'ES256'] })
    ctx.onTestFinished(() => provider.stop())
    const app = await buildApp({
      groups: { auth0: true },
      env: auth0Env(provider, AUDIENCE, 'https://example.com/metadata'),
      security: { jwksCooldownMs: 0, jwksCacheTtlMs: 100 },
      routes: (a) =>
        a.get('/p', { config: { protect: scopesPresent('read:x') } }, async () => ({ ok: true })),
    })
    ctx.onTestFinished(() => app.close())
    const sign = (algorithm: 'RS256' | 'ES256') =>
      provider.sign({
        issuer: provider.url,
        audience: AUDIENCE,
        algorithm,
        scopesKey: SCOPE_KEY,
        scope: 'read:x',
      })
    const rs = sign('RS256')
    const es = sign('ES256')
    // Verified, and so in the verified-token cache.
    expect(await statusOf(app, rs)).toBe(200)
    expect(await statusOf(app, es)).toBe(200)
    expect(await statusOf(app, rs)).toBe(200)

    // The provider revokes every key it had (a compromise): new keys, the old ones unpublished.
    provider.rotate()
    const fetchesBefore = provider.requestCount
    expect(await statusOnceRefreshed(app, rs)).toBe(401)
    expect(provider.requestCount).toBeGreaterThan(fetchesBefore)
    expect(await statusOf(app, es)).toBe(401)
    // The new keys work.
    expect(await statusOf(app, sign('RS256'))).toBe(200)
  })

  it('a key kept through a rotation keeps its tokens valid', async (ctx) => {
    const provider = await TestJwksServer.start({ algorithms: ['RS256'] })
    ctx.onTestFinished(() => provider.stop())
    const app = await buildApp({
      groups: { auth0: true },
      env: auth0Env(provider, AUDIENCE, 'https://example.com/metadata'),
      security: { jwksCooldownMs: 0, jwksCacheTtlMs: 50 },
      routes: (a) =>
        a.get('/p', { config: { protect: scopesPresent('read:x') } }, async () => ({ ok: true })),
    })
    ctx.onTestFinished(() => app.close())
    const token = provider.sign({
      issuer: provider.url,
      audience: AUDIENCE,
      scopesKey: SCOPE_KEY,
      scope: 'read:x',
    })
    expect(await statusOf(app, token)).toBe(200)
    provider.rotate({ keepPrevious: true })
    const fetchesBefore = provider.requestCount
    for (let i = 0; i < 10; i++) {
      await sleep(60)
      expect(await statusOf(app, token)).toBe(200)
    }
    expect(provider.requestCount).toBeGreaterThan(fetchesBefore)
  })
})
