import { randomUUID } from 'node:crypto'
import { isValidRequestId } from '@fbi/monitoring'
import { QueryBoolean, QueryInteger, StrictBody, Timestamp, Type } from '@fbi/schema'
import {
  and,
  fieldInBodyMatchesClaim,
  matchKeys,
  or,
  type PredicateLike,
  publicRoute,
  scopesPresent,
} from '@fbi/security'
import { forgeToken } from '@fbi/security/testing'
import fc from 'fast-check'
import Fastify, { type FastifyInstance, type LightMyRequestResponse } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import fbiAll, { fbiServerOptions } from '../src/index.js'
import { HS_KEY, PROXY_URL } from './helpers.js'
import { INTERNAL, internalToken } from './security-kit.js'

/*
 * Property-based fuzzing of what a caller controls (Authorization, X-Request-ID, query strings,
 * JSON bodies) against an app built with @fbi/all: whatever arrives, the answer is a 2xx or a 4xx
 * in the one error shape, in time, with no stack, no library text and nothing of the input's
 * secrets. Run counts are modest so the file stays within seconds.
 */

const RUNS = 300
const PATIENT = 'p-1'
/** Texts that must never reach a client: stacks, library messages, schema internals, paths. */
const FORBIDDEN = [
  /\n\s+at /,
  /^\s+at /m,
  /The token/i,
  /FAST_JWT/,
  /fast-jwt/i,
  /TokenError/,
  /schemaPath/,
  /instancePath/,
  /#\/properties/,
  /node_modules/,
  /\.ts:\d+/,
  /\.js:\d+/,
  /TypeError|ReferenceError|SyntaxError/,
  /Unexpected token/,
  /in JSON at position/,
]

let app: FastifyInstance
let validToken: string

beforeAll(async () => {
  app = Fastify({ ...fbiServerOptions() })
  await app.register(fbiAll, {
    env: { ENVIRONMENT: 'PRODUCTION', HS_KEY, PROXY_URL },
    monitoring: { gracefulShutdown: false, processMetrics: false, requestLog: false },
    openapi: false,
    db: false,
  })
  app.register(async (routes) => {
    routes.get(
      '/patients/:patient_id',
      {
        config: { protect: and(scopesPresent('read:p'), matchKeys({ patient_id: 'patient_id' })) },
        schema: {
          params: Type.Object({ patient_id: Type.String({ maxLength: 64 }) }),
          querystring: Type.Object({
            compact: Type.Optional(QueryBoolean()),
            limit: Type.Optional(QueryInteger({ minimum: 1, maximum: 100 })),
          }),
        },
      },
      async (request) => ({
        patient: (request.params as { patient_id: string }).patient_id,
        query: request.query,
      }),
    )
    routes.post(
      '/patients/:patient_id/readings',
      {
        config: {
          protect: and(scopesPresent('write:p'), fieldInBodyMatchesClaim('patient_id', 'patient_id')),
        },
        schema: {
          body: StrictBody({
            patient_id: Type.String(),
            value: Type.Number(),
            measured: Timestamp,
          }),
        },
      },
      async (request, reply) => reply.code(201).send({ stored: request.body }),
    )
    routes.post(
      '/validated',
      {
        config: { protect: publicRoute },
        schema: {
          querystring: Type.Object({ limit: Type.Optional(QueryInteger({ minimum: 1, maximum: 10 })) }),
          body: StrictBody({
            name: Type.String({ minLength: 1, maxLength: 50 }),
            count: Type.Integer({ minimum: 0 }),
            tags: Type.Optional(Type.Array(Type.String(), { maxItems: 5 })),
          }),
        },
      },
      async (request) => ({ ok: true, name: (request.body as { name: string }).name }),
    )
  })
  await app.ready()
  validToken = internalToken({ scope: 'read:p write:p', metadata: { patient_id: PATIENT } })
}, 60_000)

afterAll(async () => {
  await app.close()
})

/** What every answer must satisfy, whatever was sent. */
function checkAnswer(res: LightMyRequestResponse, allowed: readonly number[]): void {
  expect(allowed).toContain(res.statusCode)
  for (const pattern of FORBIDDEN) expect(res.body).not.toMatch(pattern)
  if (res.statusCode >= 400) {
    expect(res.headers['content-type']).toMatch(/^application\/json/)
    const body = JSON.parse(res.body) as Record<string, unknown>
    expect(Object.keys(body).sort()).toEqual(['code', 'message'])
    expect(body.code).toBe(res.statusCode)
    expect(typeof body.message).toBe('string')
    // Short, and never the credentials back.
    expect((body.message as string).length).toBeLessThan(300)
    expect(res.body).not.toContain(validToken)
  }
  if (res.statusCode === 401) expect(String(res.headers['www-authenticate'])).toMatch(/^Bearer( |$)/)
}

/** Header values a real HTTP parser lets through: visible ASCII, space, tab and obs-text. */
const headerChar = fc.oneof(
  fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)),
  fc.constantFrom('\t', '\u00e9', '\u00ff', '\u0080'),
)
const headerValue = (maxLength: number) => fc.string({ unit: headerChar, maxLength })
const b64url = fc.string({ unit: fc.constantFrom(...'ABCxyz0189-_'.split('')), maxLength: 40 })
const jsonish = fc.oneof(fc.jsonValue({ maxDepth: 3 }), fc.object({ maxDepth: 2 }))

/** Bearer credentials an attacker could send: noise, forged JWS shapes, mangled real tokens. */
const credentials = fc.oneof(
  headerValue(120),
  headerValue(120).map((s) => `Bearer ${s}`),
  fc
    .tuple(
      fc.constantFrom('Bearer', 'bearer', 'BEARER', 'Basic', 'Token', ''),
      fc.constantFrom(' ', '  ', '\t', ''),
    )
    .map(([scheme, sep]) => `${scheme}${sep}${validToken}`),
  fc.array(b64url, { minLength: 0, maxLength: 6 }).map((parts) => `Bearer ${parts.join('.')}`),
  fc.tuple(jsonish, jsonish, b64url).map(([h, p, s]) => `Bearer ${forgeToken(h, p, s)}`),
  fc
    .record({
      alg: fc.oneof(fc.constantFrom('HS256', 'none', 'RS256', 'hs256', 'HS512'), fc.jsonValue()),
      kid: fc.option(fc.string()),
    })
    .map((header) =>
      forgeToken(header, {
        iss: INTERNAL,
        aud: INTERNAL,
        exp: 4_102_444_800,
        metadata: { patient_id: PATIENT },
      }),
    )
    .map((t) => `Bearer ${t}`),
  // One character of the real token changed, removed or added.
  fc
    .tuple(fc.nat(), fc.constantFrom('flip', 'drop', 'insert'), fc.constantFrom(...'Aa0_-.=+/ '.split('')))
    .map(([at, op, c]) => {
      const i = at % validToken.length
      const mangled =
        op === 'drop'
          ? validToken.slice(0, i) + validToken.slice(i + 1)
          : op === 'insert'
            ? validToken.slice(0, i) + c + validToken.slice(i)
            : validToken.slice(0, i) + (validToken[i] === c ? 'B' : c) + validToken.slice(i + 1)
      return `Bearer ${mangled}`
    }),
)

describe('fuzzing an app built with @fbi/all', () => {
  it('Authorization header: only 401/403 (200 for the untouched token), one error shape, nothing leaked', async () => {
    await fc.assert(
      fc.asyncProperty(credentials, async (authorization) => {
        const res = await app.inject({ url: `/patients/${PATIENT}`, headers: { authorization } })
        checkAnswer(res, [200, 401, 403])
        if (res.statusCode === 200) {
          // Only the real token itself verifies; a changed header or payload never does.
          const token = authorization.slice(7)
          const [h, p] = token.split('.')
          const [vh, vp] = validToken.split('.')
          expect(authorization.slice(0, 7).toLowerCase()).toBe('bearer ')
          expect([h, p]).toEqual([vh, vp])
        }
      }),
      { numRuns: RUNS },
    )
  }, 60_000)

  it('X-Request-ID: any value is answered, and only a safe id is echoed', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(headerValue(200), fc.uuid(), fc.stringMatching(/^[A-Za-z0-9._:+=@/-]{1,140}$/)),
        async (id) => {
          const res = await app.inject({ url: '/running', headers: { 'x-request-id': id } })
          checkAnswer(res, [200])
          const echoed = res.headers['x-request-id']
          expect(typeof echoed).toBe('string')
          if (isValidRequestId(id)) expect(echoed).toBe(id)
          else expect(echoed).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/)
          // The protected route too: a hostile id never turns a 401 into something else.
          const denied = await app.inject({ url: `/patients/${PATIENT}`, headers: { 'x-request-id': id } })
          checkAnswer(denied, [401])
        },
      ),
      { numRuns: RUNS },
    )
  }, 60_000)

  it('query strings: only 200 or 400 on a validated protected route, and 401 without a token', async () => {
    const key = fc.oneof(
      fc.constantFrom('compact', 'limit', '__proto__', 'constructor', 'compact[]', 'limit[0]', ''),
      fc.string({ maxLength: 10 }),
    )
    const value = fc.oneof(
      fc.constantFrom(
        'true',
        'false',
        'TRUE',
        '1',
        '0',
        '-1',
        '101',
        '1e3',
        '0x10',
        'NaN',
        '',
        '%',
        '%zz',
        '%00',
      ),
      fc.string({ maxLength: 20 }),
      fc.integer().map(String),
    )
    const query = fc
      .array(fc.tuple(key, value, fc.boolean()), { maxLength: 6 })
      .map((pairs) =>
        pairs
          .map(([k, v, raw]) => (raw ? `${k}=${v}` : `${encodeURIComponent(k)}=${encodeURIComponent(v)}`))
          .join('&'),
      )
    await fc.assert(
      fc.asyncProperty(query, async (qs) => {
        const url = `/patients/${PATIENT}?${qs}`
        const res = await app.inject({ url, headers: { authorization: `Bearer ${validToken}` } })
        checkAnswer(res, [200, 400])
        checkAnswer(await app.inject({ url }), [401])
        const open = await app.inject({
          method: 'POST',
          url: `/validated?${qs}`,
          payload: { name: 'n', count: 1 },
        })
        checkAnswer(open, [200, 400])
      }),
      { numRuns: RUNS },
    )
  }, 60_000)

  it('JSON bodies: 2xx, 400, 403 or 415 only, never a 5xx, one error shape', async () => {
    const body = fc.oneof(
      fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)),
      fc
        .record(
          {
            patient_id: fc.oneof(fc.constant(PATIENT), fc.jsonValue({ maxDepth: 1 })),
            value: fc.oneof(fc.double(), fc.jsonValue({ maxDepth: 1 })),
            measured: fc.oneof(fc.constant('2017-09-23T08:29:19.123+01:00'), fc.string()),
            uuid: fc.string(),
            extra: fc.jsonValue({ maxDepth: 1 }),
          },
          { requiredKeys: [] },
        )
        .map((v) => JSON.stringify(v)),
      fc.constantFrom(
        '{"__proto__":{"polluted":1},"patient_id":"p-1","value":1,"measured":"2017-09-23T08:29:19.123+01:00"}',
        '{"constructor":{"prototype":{"polluted":1}}}',
        '{"patient_id":"p-1",',
        '{"a":1}{"b":2}',
        '\u0000',
        '',
        'null',
        '[]',
        '"x"',
        `{"name":"${'a'.repeat(10_000)}","count":1}`,
        `${'['.repeat(5000)}${']'.repeat(5000)}`,
      ),
      fc.string({ maxLength: 200 }),
    )
    const contentType = fc.constantFrom(
      'application/json',
      'application/json; charset=utf-8',
      'application/JSON',
      'text/plain',
      'application/x-www-form-urlencoded',
      'application/json; charset=latin1',
    )
    await fc.assert(
      fc.asyncProperty(body, contentType, async (payload, type) => {
        const headers = { 'content-type': type, authorization: `Bearer ${validToken}` }
        const write = await app.inject({
          method: 'POST',
          url: `/patients/${PATIENT}/readings`,
          headers,
          payload,
        })
        checkAnswer(write, [201, 400, 403, 415])
        const open = await app.inject({ method: 'POST', url: '/validated', headers, payload })
        checkAnswer(open, [200, 400, 415])
        const anonymous = await app.inject({
          method: 'POST',
          url: `/patients/${PATIENT}/readings`,
          headers: { 'content-type': type },
          payload,
        })
        // Unauthenticated callers learn nothing from the body: always the same 401.
        checkAnswer(anonymous, [401])
      }),
      { numRuns: RUNS },
    )
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
  }, 60_000)

  it('the protected routes still work for the real token (the fuzzing above could not pass by breaking them)', async () => {
    const read = await app.inject({
      url: `/patients/${PATIENT}?compact=true&limit=5`,
      headers: { authorization: `Bearer ${validToken}` },
    })
    expect(read.statusCode).toBe(200)
    expect(read.json()).toEqual({ patient: PATIENT, query: { compact: true, limit: 5 } })
    const write = await app.inject({
      method: 'POST',
      url: `/patients/${PATIENT}/readings`,
      headers: { authorization: `Bearer ${validToken}`, 'x-request-id': randomUUID() },
      payload: { patient_id: PATIENT, value: 1.5, measured: '2017-09-23T08:29:19.123+01:00' },
    })
    expect(write.statusCode).toBe(201)
  })
})

/** A random predicate tree: leaves that pass, fail or throw (any value, sync or async), under and/or. */
type Tree =
  | { leaf: 'pass' | 'fail'; async: boolean }
  | { leaf: 'throw'; async: boolean; value: unknown }
  | { op: 'and' | 'or'; children: Tree[] }

const THROWN = fc.constantFrom<unknown>(
  undefined,
  null,
  0,
  '',
  false,
  Number.NaN,
  'text',
  { not: 'an Error' },
  [],
  new Error('e'),
)
const leafTree: fc.Arbitrary<Tree> = fc.oneof(
  fc.record({ leaf: fc.constantFrom<'pass' | 'fail'>('pass', 'fail'), async: fc.boolean() }),
  fc.record({ leaf: fc.constant<'throw'>('throw'), async: fc.boolean(), value: THROWN }),
)
const { tree } = fc.letrec<{ tree: Tree }>((self) => ({
  tree: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leafTree,
    fc.record({
      op: fc.constantFrom<'and' | 'or'>('and', 'or'),
      children: fc.array(self('tree'), { minLength: 1, maxLength: 3 }),
    }),
  ),
}))

/** What the tree should decide, evaluated in order with short-circuits, as and/or do. */
function expected(t: Tree): 'pass' | 'fail' | 'throw' {
  if ('leaf' in t) return t.leaf
  for (const child of t.children) {
    const outcome = expected(child)
    if (outcome === 'throw') return 'throw'
    if (t.op === 'and' && outcome === 'fail') return 'fail'
    if (t.op === 'or' && outcome === 'pass') return 'pass'
  }
  return t.op === 'and' ? 'pass' : 'fail'
}

function toPredicate(t: Tree): PredicateLike {
  if ('op' in t) return (t.op === 'and' ? and : or)(...t.children.map(toPredicate))
  if (t.leaf === 'throw') {
    const value = t.value
    return t.async
      ? () => Promise.reject(value)
      : () => {
          throw value
        }
  }
  const result = t.leaf === 'pass'
  return t.async ? async () => result : () => result
}

describe('fuzzing predicate trees with throws of every kind (production, @fbi/all)', () => {
  it('pass is 200, fail is 403, any throw or rejection is 500 with the generic body, the handler never runs after a throw', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(tree, { minLength: 10, maxLength: 30 }), async (trees) => {
        const fuzzed = Fastify({ ...fbiServerOptions() })
        await fuzzed.register(fbiAll, {
          env: { ENVIRONMENT: 'PRODUCTION', HS_KEY, PROXY_URL },
          monitoring: { gracefulShutdown: false, processMetrics: false, requestLog: false },
          openapi: false,
          db: false,
        })
        let handled = 0
        trees.forEach((t, i) => {
          fuzzed.get(`/t/${i}`, { config: { protect: toPredicate(t) } }, async () => {
            handled++
            return { ok: true }
          })
        })
        await fuzzed.ready()
        try {
          let passes = 0
          for (const [i, t] of trees.entries()) {
            const res = await fuzzed.inject({
              url: `/t/${i}`,
              headers: { authorization: `Bearer ${validToken}` },
            })
            const outcome = expected(t)
            if (outcome === 'pass') passes++
            expect({ i, status: res.statusCode }).toEqual({
              i,
              status: { pass: 200, fail: 403, throw: 500 }[outcome],
            })
            checkAnswer(res, [200, 403, 500])
            if (outcome === 'throw')
              expect(res.json()).toEqual({ code: 500, message: 'Internal Server Error' })
          }
          expect(handled).toBe(passes)
        } finally {
          await fuzzed.close()
        }
      }),
      { numRuns: 15 },
    )
  }, 120_000)
})
