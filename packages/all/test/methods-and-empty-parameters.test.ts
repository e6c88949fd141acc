import { and, matchKeys, scopesPresent } from '@fbi/security'
import Fastify from 'fastify'
import { describe, expect, it } from 'vitest'
import fbi, { fbiServerOptions } from '../src/index.js'
import { ENV, token } from './helpers.js'

// @fbi/errors decides 404/405 before @fbi/security's route hook can answer 401 or 403.
async function service() {
  const app = Fastify(fbiServerOptions())
  await app.register(fbi, { env: { ...ENV }, monitoring: { gracefulShutdown: false } })
  app.get(
    '/p/:patient_id',
    { config: { protect: and(scopesPresent('read:patient'), matchKeys({ patient_id: 'patient_id' })) } },
    async (request) => ({ patient_id: (request.params as { patient_id: string }).patient_id }),
  )
  return app
}

describe('unrouted requests beside @fbi/security', () => {
  it.for([
    ['without a token', {}],
    ['with a valid token', { authorization: `Bearer ${token(['read:patient'], { patient_id: 'p1' })}` }],
  ] as const)('answers /p/ (empty patient_id) 404 %s, not 401 or 403', async ([, headers], ctx) => {
    const app = await service()
    ctx.onTestFinished(() => app.close())
    const res = await app.inject({ url: '/p/', headers })
    expect(res.statusCode).toBe(404)
    expect(res.headers['www-authenticate']).toBeUndefined()
    expect(res.json()).toEqual({ code: 404, message: 'Not Found' })
  })

  it('answers a wrong method on a protected path 405 with Allow, without asking for a token', async (ctx) => {
    const app = await service()
    ctx.onTestFinished(() => app.close())
    const res = await app.inject({ method: 'PUT', url: '/p/p1' })
    expect(res.statusCode).toBe(405)
    expect(res.headers.allow).toBe('GET, HEAD, OPTIONS')
    expect(res.json()).toEqual({ code: 405, message: 'Method Not Allowed' })
  })

  it('answers OPTIONS on a monitoring route 200 with Allow', async (ctx) => {
    const app = await service()
    ctx.onTestFinished(() => app.close())
    const res = await app.inject({ method: 'OPTIONS', url: '/running' })
    expect(res.statusCode).toBe(200)
    expect(res.headers.allow).toBe('GET, HEAD, OPTIONS')
    expect(res.body).toBe('')
  })

  it('still protects the route with a real id', async (ctx) => {
    const app = await service()
    ctx.onTestFinished(() => app.close())
    expect((await app.inject('/p/p1')).statusCode).toBe(401)
    const ok = await app.inject({
      url: '/p/p1',
      headers: { authorization: `Bearer ${token(['read:patient'], { patient_id: 'p1' })}` },
    })
    expect(ok.statusCode).toBe(200)
  })
})
