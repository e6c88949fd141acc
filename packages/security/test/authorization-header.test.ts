import { describe, expect, it } from 'vitest'
import { bearerToken, keyPresent } from '../src/index.js'
import { buildApp, INVALID_TOKEN, internalToken, UNAUTHORIZED } from './helpers.js'

/**
 * RFC 6750 §3.1: a request without bearer credentials (no header, or another scheme) gets the bare
 * `Bearer` challenge; a request that presents Bearer credentials we cannot accept gets
 * `error="invalid_token"`. Both 401 with the same body. The scheme is case-insensitive (RFC 7235 §2.1).
 */
describe('Authorization header parsing', () => {
  const good = internalToken({ metadata: { patient_id: 'p1' } })

  it.for([
    ['no header', undefined, 'Bearer'],
    ['another scheme', 'Basic dXNlcjpwYXNz', 'Bearer'],
    ['a bare token, no scheme', good, 'Bearer'],
    ['an empty value', '', 'Bearer'],
    ['the scheme alone', 'Bearer', INVALID_TOKEN],
    ['the scheme and spaces', 'Bearer    ', INVALID_TOKEN],
    ['two tokens', `Bearer ${good} ${good}`, INVALID_TOKEN],
    ['two spaces before the token', `Bearer  ${good}`, INVALID_TOKEN],
    ['garbage', 'Bearer !!!not*base64~~~', INVALID_TOKEN],
    ['garbage base64 segments', 'Bearer aGVsbG8.d29ybGQ.eA', INVALID_TOKEN],
    [
      'a payload that is not an object',
      `Bearer ${Buffer.from('{"alg":"HS256"}').toString('base64url')}.${Buffer.from('[1,2]').toString('base64url')}.c2ln`,
      INVALID_TOKEN,
    ],
    ['one segment', 'Bearer abc', INVALID_TOKEN],
    ['four segments', `Bearer ${good}.abc`, INVALID_TOKEN],
    ['a scheme glued to the token', `Bearer${good}`, INVALID_TOKEN],
    ['unicode', 'Bearer ü.ö.ä', INVALID_TOKEN],
  ] as const)('answers 401 for %s', async ([, header, challenge], ctx) => {
    const app = await buildApp({
      routes: (a) =>
        a.get('/p', { config: { protect: keyPresent('patient_id') } }, async () => ({ ok: true })),
    })
    ctx.onTestFinished(() => app.close())
    const res = await app.inject({
      url: '/p',
      headers: header === undefined ? {} : { authorization: header },
    })
    expect(res.statusCode).toBe(401)
    expect(res.json()).toEqual(UNAUTHORIZED)
    expect(res.headers['www-authenticate']).toBe(challenge)
    expect(res.body).not.toContain('FAST_JWT')
  })

  it.for(['Bearer', 'bearer', 'BEARER', 'bEaReR'])('accepts the scheme spelt %s', async (scheme, ctx) => {
    const app = await buildApp({
      routes: (a) =>
        a.get('/p', { config: { protect: keyPresent('patient_id') } }, async () => ({ ok: true })),
    })
    ctx.onTestFinished(() => app.close())
    const res = await app.inject({ url: '/p', headers: { authorization: `${scheme} ${good}` } })
    expect(res.statusCode).toBe(200)
    expect(res.json()).toEqual({ ok: true })
  })

  it('bearerToken separates missing from malformed', () => {
    expect(bearerToken(undefined)).toBeUndefined()
    expect(bearerToken('Basic x')).toBeUndefined()
    expect(bearerToken('Bearer')).toBeNull()
    expect(bearerToken('Bearer a b')).toBeNull()
    expect(bearerToken('bearer abc')).toBe('abc')
  })
})
