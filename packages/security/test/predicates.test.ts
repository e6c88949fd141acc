import type { FastifyInstance } from 'fastify'
import { describe, expect, it } from 'vitest'
import {
  and,
  argumentNotPresent,
  argumentPresent,
  definePredicate,
  FBI_SECURITY_INVALID_PREDICATE,
  fieldInBodyMatchesClaim,
  fieldInPathMatchesClaim,
  issuerIn,
  keyContainsValue,
  keyContainsValueInList,
  keyPresent,
  matchKeys,
  nonProductionOnly,
  or,
  type PredicateLike,
  productionOnly,
  publicRoute,
  scopesPresent,
} from '../src/index.js'
import { bearer, buildApp, FORBIDDEN, INTERNAL, internalToken } from './helpers.js'

interface Case {
  name: string
  protect: PredicateLike
  metadata?: Record<string, unknown>
  scope?: unknown
  url?: string
  body?: unknown
  environment?: string
  expected: 200 | 403
}

const patient = { patient_id: 'p1' }

const cases: Case[] = [
  { name: 'keyPresent true', protect: keyPresent('patient_id'), metadata: patient, expected: 200 },
  { name: 'keyPresent false', protect: keyPresent('clinician_id'), metadata: patient, expected: 403 },
  {
    name: 'keyContainsValue true',
    protect: keyContainsValue('patient_id', 'p1'),
    metadata: patient,
    expected: 200,
  },
  {
    name: 'keyContainsValue wrong value',
    protect: keyContainsValue('patient_id', 'p2'),
    metadata: patient,
    expected: 403,
  },
  {
    name: 'keyContainsValue missing key',
    protect: keyContainsValue('clinician_id', 'p1'),
    metadata: patient,
    expected: 403,
  },
  {
    name: 'keyContainsValue no coercion',
    protect: keyContainsValue('n', '123'),
    metadata: { n: 123 },
    expected: 403,
  },
  {
    name: 'keyContainsValueInList true',
    protect: keyContainsValueInList('patient_id', ['p0', 'p1']),
    metadata: patient,
    expected: 200,
  },
  {
    name: 'keyContainsValueInList false',
    protect: keyContainsValueInList('patient_id', ['p0', 'p2']),
    metadata: patient,
    expected: 403,
  },
  {
    name: 'keyContainsValueInList missing key',
    protect: keyContainsValueInList('x', ['p1']),
    metadata: patient,
    expected: 403,
  },
  {
    name: 'scopesPresent string true',
    protect: scopesPresent('read:a'),
    scope: 'read:a write:a',
    expected: 200,
  },
  {
    name: 'scopesPresent list subset',
    protect: scopesPresent(['read:a', 'write:a']),
    scope: 'read:a write:a read:b',
    expected: 200,
  },
  {
    name: 'scopesPresent superset required',
    protect: scopesPresent(['read:a', 'write:a']),
    scope: 'read:a',
    expected: 403,
  },
  { name: 'scopesPresent no scopes', protect: scopesPresent('read:a'), expected: 403 },
  {
    name: 'scopesPresent similar name',
    protect: scopesPresent('write:users'),
    scope: 'write:user',
    expected: 403,
  },
  {
    name: 'matchKeys true',
    protect: matchKeys({ patient_id: 'patient_id' }),
    metadata: patient,
    expected: 200,
  },
  {
    name: 'matchKeys false',
    protect: matchKeys({ patient_id: 'patient_id' }),
    metadata: { patient_id: 'p2' },
    expected: 403,
  },
  {
    name: 'matchKeys claim missing',
    protect: matchKeys({ patient_id: 'patient_id' }),
    metadata: {},
    expected: 403,
  },
  {
    name: 'matchKeys list claim',
    protect: matchKeys({ patient_id: 'ids' }),
    metadata: { ids: ['p0', 'p1'] },
    expected: 200,
  },
  {
    name: 'matchKeys list claim without value',
    protect: matchKeys({ patient_id: 'ids' }),
    metadata: { ids: ['p0'] },
    expected: 403,
  },
  {
    name: 'matchKeys object claim',
    protect: matchKeys({ patient_id: 'ids' }),
    metadata: { ids: { p1: true } },
    expected: 403,
  },
  {
    name: 'matchKeys number never equals "123"',
    protect: matchKeys({ patient_id: 'n' }),
    url: '/r/123',
    metadata: { n: 123 },
    expected: 403,
  },
  { name: 'matchKeys empty map', protect: matchKeys({}), metadata: patient, expected: 200 },
  { name: 'issuerIn true', protect: issuerIn('http://x/', INTERNAL), expected: 200 },
  { name: 'issuerIn false', protect: issuerIn('http://x/'), expected: 403 },
  { name: 'nonProductionOnly in development', protect: nonProductionOnly(), expected: 200 },
  {
    name: 'nonProductionOnly in production',
    protect: nonProductionOnly(),
    environment: 'PRODUCTION',
    expected: 403,
  },
  {
    name: 'productionOnly in production',
    protect: productionOnly(),
    environment: 'PRODUCTION',
    expected: 200,
  },
  { name: 'productionOnly in development', protect: productionOnly(), expected: 403 },
  {
    name: 'argumentPresent true',
    protect: argumentPresent('arg1', 'val1'),
    url: '/r/p1?arg1=val1&arg2=x',
    expected: 200,
  },
  {
    name: 'argumentPresent case-insensitive',
    protect: argumentPresent('arg1', 'VaL1'),
    url: '/r/p1?arg1=vAl1',
    expected: 200,
  },
  {
    name: 'argumentPresent wrong value',
    protect: argumentPresent('arg1', 'val1'),
    url: '/r/p1?arg1=val2',
    expected: 403,
  },
  { name: 'argumentPresent absent', protect: argumentPresent('arg1', 'val1'), expected: 403 },
  {
    name: 'argumentNotPresent true',
    protect: argumentNotPresent('arg1'),
    url: '/r/p1?arg2=val1',
    expected: 200,
  },
  {
    name: 'argumentNotPresent false',
    protect: argumentNotPresent('arg2'),
    url: '/r/p1?arg2=val1',
    expected: 403,
  },
  {
    name: 'fieldInPathMatchesClaim true',
    protect: fieldInPathMatchesClaim('patient_id', 'patient_id'),
    metadata: patient,
    expected: 200,
  },
  {
    name: 'fieldInPathMatchesClaim other',
    protect: fieldInPathMatchesClaim('patient_id', 'patient_id'),
    metadata: { patient_id: 'abc' },
    expected: 403,
  },
  {
    name: 'fieldInPathMatchesClaim claim null',
    protect: fieldInPathMatchesClaim('patient_id', 'patient_id'),
    metadata: { patient_id: null },
    expected: 403,
  },
  {
    name: 'fieldInPathMatchesClaim no coercion',
    protect: fieldInPathMatchesClaim('patient_id', 'n'),
    url: '/r/123',
    metadata: { n: 123 },
    expected: 403,
  },
  {
    name: 'fieldInBodyMatchesClaim true',
    protect: fieldInBodyMatchesClaim('patient_uuid', 'patient_id'),
    metadata: patient,
    body: { patient_uuid: 'p1' },
    expected: 200,
  },
  {
    name: 'fieldInBodyMatchesClaim other',
    protect: fieldInBodyMatchesClaim('patient_uuid', 'patient_id'),
    metadata: { patient_id: 'abc' },
    body: { patient_uuid: 'p1' },
    expected: 403,
  },
  {
    name: 'fieldInBodyMatchesClaim field missing',
    protect: fieldInBodyMatchesClaim('patient_uuid', 'patient_id'),
    metadata: patient,
    body: {},
    expected: 403,
  },
  {
    name: 'fieldInBodyMatchesClaim both missing',
    protect: fieldInBodyMatchesClaim('patient_uuid', 'patient_id'),
    metadata: {},
    body: {},
    expected: 403,
  },
  {
    name: 'fieldInBodyMatchesClaim no body',
    protect: fieldInBodyMatchesClaim('patient_uuid', 'patient_id'),
    metadata: patient,
    body: '',
    expected: 403,
  },
  {
    name: 'fieldInBodyMatchesClaim no coercion',
    protect: fieldInBodyMatchesClaim('n', 'n'),
    metadata: { n: '123' },
    body: { n: 123 },
    expected: 403,
  },
  {
    name: 'and true',
    protect: and(keyPresent('patient_id'), scopesPresent('read:a')),
    metadata: patient,
    scope: 'read:a',
    expected: 200,
  },
  {
    name: 'and false',
    protect: and(keyPresent('patient_id'), keyPresent('clinician_id')),
    metadata: patient,
    expected: 403,
  },
  {
    name: 'or true',
    protect: or(keyPresent('clinician_id'), keyPresent('patient_id')),
    metadata: patient,
    expected: 200,
  },
  {
    name: 'or false',
    protect: or(keyPresent('clinician_id'), keyPresent('system_id')),
    metadata: patient,
    expected: 403,
  },
  {
    name: 'custom sync true',
    protect: (ctx) => ctx.claims.patient_id === 'p1',
    metadata: patient,
    expected: 200,
  },
  {
    name: 'custom sync truthy non-boolean denies',
    protect: (() => 'yes') as unknown as PredicateLike,
    expected: 403,
  },
  {
    name: 'custom async true',
    protect: async (ctx) => ctx.scopes.includes('read:a'),
    scope: 'read:a',
    expected: 200,
  },
  { name: 'custom async false', protect: async () => false, expected: 403 },
  {
    name: 'and with async parts',
    protect: and(async () => true, keyPresent('patient_id')),
    metadata: patient,
    expected: 200,
  },
  {
    name: 'and with async false',
    protect: and(keyPresent('patient_id'), async () => false),
    metadata: patient,
    expected: 403,
  },
  {
    name: 'or with async true',
    protect: or(
      async () => false,
      async () => true,
    ),
    expected: 200,
  },
  { name: 'or with async false', protect: or(async () => false, keyPresent('x')), expected: 403 },
  {
    name: 'or with body predicate',
    protect: or(keyPresent('x'), fieldInBodyMatchesClaim('patient_uuid', 'patient_id')),
    metadata: patient,
    body: { patient_uuid: 'p1' },
    expected: 200,
  },
]

async function appFor(c: Case): Promise<FastifyInstance> {
  return buildApp({
    security: c.environment ? { environment: c.environment } : {},
    routes: (app) => {
      const handler = async () => ({ ok: true })
      // A predicate that reads the body is refused on a GET route at startup (see impossible-protect.test.ts).
      if (c.body === undefined) app.get('/r/:patient_id', { config: { protect: c.protect } }, handler)
      else app.post('/r/:patient_id', { config: { protect: c.protect } }, handler)
    },
  })
}

describe('every combinator, through a route', () => {
  it.for(cases)('$name', async (c, ctx) => {
    const app = await appFor(c)
    ctx.onTestFinished(() => app.close())
    const token = internalToken({ metadata: c.metadata ?? {}, scope: c.scope })
    const res = await app.inject({
      method: c.body === undefined ? 'GET' : 'POST',
      url: c.url ?? '/r/p1',
      headers: bearer(token),
      ...(c.body === undefined ? {} : { payload: c.body as Record<string, unknown> }),
    })
    expect(res.statusCode).toBe(c.expected)
    expect(res.json()).toEqual(c.expected === 200 ? { ok: true } : FORBIDDEN)
  })
})

describe('definitions', () => {
  it('describe themselves and collect required scopes through and', () => {
    const p = and(
      scopesPresent(['read:x', 'write:x']),
      matchKeys({ patient_id: 'patient_id' }),
      or(scopesPresent('a'), scopesPresent(['a', 'b'])),
    )
    expect(p.description).toBe(
      'and(scopesPresent(read:x, write:x), matchKeys(patient_id), or(scopesPresent(a), scopesPresent(a, b)))',
    )
    expect(p.requiredScopes).toEqual(['read:x', 'write:x', 'a'])
    expect(p.needsBody).toBe(false)
    expect(and(keyPresent('a'), fieldInBodyMatchesClaim('f', 'c')).needsBody).toBe(true)
    expect(publicRoute.isPublic).toBe(true)
    expect(keyPresent('a').isPublic).toBeUndefined()
    const mine = definePredicate(() => true, { description: 'mine', requiredScopes: ['s'] })
    expect({ ...mine }).toEqual({
      description: 'mine',
      requiredScopes: ['s'],
      needsBody: false,
      reads: { params: [], query: [], body: [] },
    })
  })

  it.for([
    ['scopesPresent([])', () => scopesPresent([])],
    ['scopesPresent(42)', () => scopesPresent(42 as unknown as string)],
    ["scopesPresent('')", () => scopesPresent('')],
    ['and()', () => and()],
    ['or()', () => or()],
    ['and(non-function)', () => and('x' as unknown as PredicateLike)],
    ['keyContainsValue(k, 1)', () => keyContainsValue('k', 1 as unknown as string)],
    ['keyContainsValueInList(k, "x")', () => keyContainsValueInList('k', 'x' as unknown as string[])],
    ['matchKeys(null)', () => matchKeys(null as unknown as Record<string, string>)],
    ['matchKeys({ a: 1 })', () => matchKeys({ a: 1 } as unknown as Record<string, string>)],
    ['issuerIn()', () => issuerIn()],
    ["argumentPresent('', 'x')", () => argumentPresent('', 'x')],
    ["fieldInBodyMatchesClaim('f', '')", () => fieldInBodyMatchesClaim('f', '')],
  ] as const)('refuses %s at definition time', ([, make]) => {
    expect(make).toThrow(FBI_SECURITY_INVALID_PREDICATE)
  })

  it('runs body predicates after the body is parsed, and before schema validation', async (ctx) => {
    const app = await buildApp({
      routes: (a) =>
        a.post(
          '/b',
          {
            config: { protect: fieldInBodyMatchesClaim('patient_uuid', 'patient_id') },
            schema: {
              body: {
                type: 'object',
                required: ['patient_uuid', 'n'],
                properties: { n: { type: 'integer' } },
              },
            },
          },
          async () => ({ ok: true }),
        ),
    })
    ctx.onTestFinished(() => app.close())
    const token = internalToken({ metadata: patient })
    const denied = await app.inject({
      method: 'POST',
      url: '/b',
      headers: bearer(token),
      payload: { patient_uuid: 'p2' },
    })
    expect(denied.statusCode).toBe(403)
    const invalid = await app.inject({
      method: 'POST',
      url: '/b',
      headers: bearer(token),
      payload: { patient_uuid: 'p1' },
    })
    expect(invalid.statusCode).toBe(400)
    const ok = await app.inject({
      method: 'POST',
      url: '/b',
      headers: bearer(token),
      payload: { patient_uuid: 'p1', n: 1 },
    })
    expect(ok.statusCode).toBe(200)
    // Without a token the body is never looked at.
    const anonymous = await app.inject({ method: 'POST', url: '/b', payload: { patient_uuid: 'p1', n: 1 } })
    expect(anonymous.statusCode).toBe(401)
  })

  it('logs the failing sub-predicate at debug level with the request id', async (ctx) => {
    const logs: Record<string, unknown>[] = []
    const app = await buildApp({
      logs,
      routes: (a) =>
        a.get(
          '/s',
          { config: { protect: and(keyPresent('patient_id'), scopesPresent('hello:world')) } },
          async () => ({}),
        ),
    })
    ctx.onTestFinished(() => app.close())
    const res = await app.inject({
      url: '/s',
      headers: bearer(internalToken({ metadata: patient, scope: 'foo:bar' })),
    })
    expect(res.statusCode).toBe(403)
    const line = logs.find((l) => l.msg === 'Forbidden: protection predicate denied the request')
    expect(line).toMatchObject({ level: 20, reason: 'JWT is missing required scopes: [hello:world]' })
    expect(typeof line?.reqId).toBe('string')
  })
})
