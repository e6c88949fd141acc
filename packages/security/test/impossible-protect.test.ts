import type { FastifyInstance } from 'fastify'
import { describe, expect, it } from 'vitest'
import {
  and,
  argumentNotPresent,
  argumentPresent,
  FBI_SECURITY_IMPOSSIBLE_PROTECT,
  fieldInBodyMatchesClaim,
  fieldInPathMatchesClaim,
  keyPresent,
  matchKeys,
  or,
  type Predicate,
} from '../src/index.js'
import { buildApp } from './helpers.js'

/** A JSON Schema object of string properties; `closed` forbids any other. */
function object(properties: string[], closed: boolean) {
  return {
    type: 'object',
    properties: Object.fromEntries(properties.map((p) => [p, { type: 'string' }])),
    ...(closed ? { additionalProperties: false } : {}),
  }
}

/*
 * A protection whose inputs the route cannot provide never passes (everyone gets 403, the reason
 * at debug level only), or passes on input the handler never sees. The route is known in onRoute,
 * so each is a startup error naming the route and the input.
 */

async function startupError(routes: (app: FastifyInstance) => void): Promise<Error & { code?: string }> {
  const error = await buildApp({ routes }).then(
    (app) => app.close().then(() => undefined),
    (e: unknown) => e as Error & { code?: string },
  )
  if (error === undefined) throw new TypeError('the app started')
  return error
}

const handler = async () => ({ ok: true })

describe('protections that can never pass are startup errors', () => {
  const PARAMS: { name: string; url: string; protect: Predicate; missing: string }[] = [
    {
      name: 'matchKeys naming a parameter the route lacks',
      url: '/p/:id',
      protect: matchKeys({ idd: 'id' }),
      missing: 'idd',
    },
    {
      name: 'fieldInPathMatchesClaim',
      url: '/p/:id',
      protect: fieldInPathMatchesClaim('patient_id', 'x'),
      missing: 'patient_id',
    },
    {
      name: 'inside and()',
      url: '/p/:id',
      protect: and(keyPresent('a'), matchKeys({ pid: 'a' })),
      missing: 'pid',
    },
    {
      name: 'inside or()',
      url: '/p/:id',
      protect: or(keyPresent('a'), fieldInPathMatchesClaim('x', 'a')),
      missing: 'x',
    },
    { name: 'a static route', url: '/p', protect: matchKeys({ id: 'id' }), missing: 'id' },
  ]
  it.for(PARAMS)('$name', async ({ url, protect, missing }) => {
    const error = await startupError((a) => a.get(url, { config: { protect } }, handler))
    expect(error).toBeInstanceOf(FBI_SECURITY_IMPOSSIBLE_PROTECT)
    expect(error.code).toBe('FBI_SECURITY_IMPOSSIBLE_PROTECT')
    expect(error.message).toContain(`GET ${url}`)
    expect(error.message).toContain(`'${missing}'`)
  })

  it('reads parameters the way the router does: regex, several per segment, wildcard, prefix', async (ctx) => {
    const app = await buildApp({
      routes: (a) => {
        a.get('/r/:id(^\\d+)', { config: { protect: matchKeys({ id: 'id' }) } }, handler)
        a.get('/f/:name-:ext', { config: { protect: matchKeys({ name: 'n', ext: 'e' }) } }, handler)
        a.get('/d/:day.:month', { config: { protect: matchKeys({ day: 'd', month: 'm' }) } }, handler)
        a.get('/files/*', { config: { protect: matchKeys({ '*': 'path' }) } }, handler)
        a.get('/e/::literal/:id', { config: { protect: matchKeys({ id: 'id' }) } }, handler)
        a.register(
          async (child) => {
            child.get('/x', { config: { protect: matchKeys({ org: 'org' }) } }, handler)
          },
          { prefix: '/orgs/:org' },
        )
      },
    })
    ctx.onTestFinished(() => app.close())
    const error = await startupError((a) =>
      a.get('/e/::literal', { config: { protect: matchKeys({ literal: 'l' }) } }, handler),
    )
    expect(error.message).toContain("'literal'")
  })

  it('a body predicate on a method without a body (GET, HEAD)', async () => {
    const error = await startupError((a) =>
      a.get('/b', { config: { protect: fieldInBodyMatchesClaim('patient_id', 'patient_id') } }, handler),
    )
    expect(error).toBeInstanceOf(FBI_SECURITY_IMPOSSIBLE_PROTECT)
    expect(error.message).toMatch(/GET \/b.*request body.*GET requests/)
    const both = await startupError((a) =>
      a.route({
        method: ['POST', 'GET'],
        url: '/b',
        config: { protect: fieldInBodyMatchesClaim('f', 'c') },
        handler,
      }),
    )
    expect(both.message).toContain('GET requests')
  })

  it('a body field or query argument the route schema does not allow', async () => {
    const body = await startupError((a) =>
      a.post(
        '/b',
        {
          config: { protect: fieldInBodyMatchesClaim('patient_uuid', 'patient_id') },
          schema: { body: object(['patient_id'], true) },
        },
        handler,
      ),
    )
    expect(body.message).toMatch(/POST \/b.*body field 'patient_uuid'/)
    const notAnObject = await startupError((a) =>
      a.post(
        '/b',
        {
          config: { protect: fieldInBodyMatchesClaim('f', 'c') },
          schema: { body: { type: 'array', items: { type: 'string' } } },
        },
        handler,
      ),
    )
    expect(notAnObject.message).toContain("of type 'array'")
    for (const protect of [argumentPresent('view', 'full'), argumentNotPresent('debug')]) {
      const query = await startupError((a) =>
        a.get(
          '/q',
          {
            config: { protect },
            schema: { querystring: object(['limit'], true) },
          },
          handler,
        ),
      )
      expect(query.message).toMatch(/GET \/q.*query argument/)
    }
  })

  it('accepts open schemas, and schemas that allow what the predicate reads', async (ctx) => {
    const app = await buildApp({
      routes: (a) => {
        a.post(
          '/open',
          { config: { protect: fieldInBodyMatchesClaim('f', 'c') }, schema: { body: object(['g'], false) } },
          handler,
        )
        a.post(
          '/closed',
          {
            config: { protect: fieldInBodyMatchesClaim('f', 'c') },
            schema: { body: object(['f'], true) },
          },
          handler,
        )
        a.get(
          '/q',
          {
            config: { protect: argumentPresent('view', 'full') },
            schema: { querystring: object(['view'], true) },
          },
          handler,
        )
      },
    })
    ctx.onTestFinished(() => app.close())
  })
})
