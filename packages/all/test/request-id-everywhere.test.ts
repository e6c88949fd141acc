import { scopesPresent } from '@fbi/security'
import Fastify, { type FastifyInstance, type InjectOptions } from 'fastify'
import { describe, expect, it } from 'vitest'
import fbi, { fbiServerOptions } from '../src/index.js'
import { ENV } from './helpers.js'

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/

// Every answer carries X-Request-ID, whichever battery or hook gave it and whatever registered first.
async function build(serverOptions: boolean): Promise<FastifyInstance> {
  const app = Fastify(serverOptions ? fbiServerOptions() : {})
  // Registered before fbi: an early answer from a hook, and a plugin whose context predates fbi's hooks.
  app.addHook('onRequest', async (request, reply) => {
    if (request.headers['x-too-many'] !== undefined) {
      return reply.code(429).send({ code: 429, message: 'Too Many Requests' })
    }
  })
  await app.register(async (child) => {
    child.get('/before', async () => ({ before: true }))
  })
  await app.register(fbi, { env: { ...ENV }, monitoring: { gracefulShutdown: false } })
  app.get('/g', async () => ({ ok: true }))
  app.post('/echo', async (request) => request.body)
  app.get('/p', { config: { protect: scopesPresent('read:p') } }, async () => ({ p: true }))
  await app.ready()
  return app
}

describe.each([
  ['fbiServerOptions', true],
  ['no server options', false],
])('X-Request-ID on every answer of @fbi/all, with %s', (_name, serverOptions) => {
  it.each<[string, InjectOptions, number]>([
    ['a GET with a JSON body (@fbi/schema)', { url: '/g', payload: { a: 1 } }, 400],
    [
      'a DELETE on a GET route (@fbi/errors, before the JSON-body check)',
      { method: 'DELETE', url: '/g', payload: { a: 1 } },
      405,
    ],
    ['a missing token (@fbi/security)', { url: '/p' }, 401],
    ['a hook registered before fbi', { url: '/g', headers: { 'x-too-many': '1' } }, 429],
    ['a route of a plugin registered before fbi', { url: '/before' }, 200],
    ['an unknown URL', { url: '/nope' }, 404],
    [
      'a bad JSON body',
      { method: 'POST', url: '/echo', headers: { 'content-type': 'application/json' }, payload: '{' },
      400,
    ],
    [
      'an unsupported media type',
      { method: 'POST', url: '/echo', headers: { 'content-type': 'text/x-nope' }, payload: 'x' },
      415,
    ],
    ['a monitoring route', { url: '/running' }, 200],
    ['a HEAD', { method: 'HEAD', url: '/g' }, 200],
  ])('%s', async (_what, request, status) => {
    const app = await build(serverOptions)
    try {
      const given = await app.inject({
        ...request,
        headers: { ...request.headers, 'x-request-id': 'given-1' },
      })
      expect(given.statusCode).toBe(status)
      expect(given.headers['x-request-id']).toBe('given-1')
      const generated = await app.inject(request)
      expect(generated.statusCode).toBe(status)
      expect(generated.headers['x-request-id']).toMatch(UUID)
      const correlated = await app.inject({
        ...request,
        headers: { ...request.headers, 'x-correlation-id': 'corr-1' },
      })
      expect(correlated.headers['x-request-id']).toBe('corr-1')
    } finally {
      await app.close()
    }
  })

  it('a 304', async (ctx) => {
    const app = await build(serverOptions)
    ctx.onTestFinished(() => app.close())
    const etag = (await app.inject('/g')).headers.etag as string
    const res = await app.inject({ url: '/g', headers: { 'if-none-match': etag, 'x-request-id': 'nm-1' } })
    expect(res.statusCode).toBe(304)
    expect(res.headers['x-request-id']).toBe('nm-1')
  })
})
