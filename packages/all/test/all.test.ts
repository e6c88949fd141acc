import { and, matchKeys, scopesPresent } from '@fbi/security'
import Fastify from 'fastify'
import { describe, expect, it } from 'vitest'
import fbi, { fbiServerOptions } from '../src/index.js'
import { databaseEnv, ENV, token } from './helpers.js'

describe('@fbi/all', () => {
  it('gives a service every battery in one register call', async (ctx) => {
    const app = Fastify(fbiServerOptions())
    ctx.onTestFinished(() => app.close())
    await app.register(fbi, { env: { ...ENV }, monitoring: { gracefulShutdown: false } })
    app.get(
      '/patient/:patient_id',
      { config: { protect: and(scopesPresent('read:patient'), matchKeys({ patient_id: 'patient_id' })) } },
      async (request) => ({ patient: (request.params as { patient_id: string }).patient_id }),
    )
    await app.ready()

    const running = await app.inject('/running')
    expect(running.statusCode).toBe(200)
    expect(running.json()).toEqual({ running: true })
    expect(running.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/)

    const missing = await app.inject('/patient/p1')
    expect(missing.statusCode).toBe(401)
    expect(missing.json()).toEqual({ code: 401, message: 'Unauthorized' })
    expect(missing.headers['www-authenticate']).toMatch(/^Bearer/)

    const wrongPatient = await app.inject({
      url: '/patient/p1',
      headers: { authorization: `Bearer ${token(['read:patient'], { patient_id: 'p2' })}` },
    })
    expect(wrongPatient.statusCode).toBe(403)
    expect(wrongPatient.json()).toEqual({ code: 403, message: 'Forbidden' })

    const ok = await app.inject({
      url: '/patient/p1',
      headers: {
        authorization: `Bearer ${token(['read:patient'], { patient_id: 'p1' })}`,
        'x-request-id': 'abc-123',
      },
    })
    expect(ok.statusCode).toBe(200)
    expect(ok.json()).toEqual({ patient: 'p1' })
    expect(ok.headers['x-request-id']).toBe('abc-123')
    expect(ok.headers['cache-control']).toBe('no-cache, must-revalidate')
    expect(ok.headers.etag).toBeDefined()

    const unknown = await app.inject('/nope')
    expect(unknown.statusCode).toBe(404)
    expect(unknown.json()).toEqual({ code: 404, message: 'Not Found' })

    const metrics = await app.inject('/metrics')
    expect(metrics.statusCode).toBe(200)
    expect(metrics.body).toMatch(/route="\/patient\/:patient_id"/)

    const docs = await app.inject('/docs/json')
    expect(docs.statusCode).toBe(200)
    expect(docs.json().paths['/patient/{patient_id}'].get.security).toEqual([
      { bearerAuth: ['read:patient'] },
    ])
  })

  it('adds PostgreSQL when db is on, with its health checks', { timeout: 120_000 }, async (ctx) => {
    const app = Fastify()
    ctx.onTestFinished(() => app.close())
    await app.register(fbi, {
      env: { ...ENV, ...databaseEnv() },
      db: true,
      monitoring: { gracefulShutdown: false },
    })
    await app.ready()
    const { rows } = await app.pg.query<{ one: number }>('SELECT 1 AS one')
    expect(rows).toEqual([{ one: 1 }])
    const health = await app.inject('/healthcheck')
    expect(health.statusCode).toBe(200)
    expect(health.json().results.map((r: { checker: string }) => r.checker)).toContain('database')
  })

  it('fails startup naming every missing variable', async (ctx) => {
    const app = Fastify()
    ctx.onTestFinished(() => app.close())
    app.register(fbi, { env: {}, auth0: true })
    await expect(app.ready()).rejects.toMatchObject({
      code: 'FBI_CONFIG_INVALID',
      message: expect.stringMatching(/HS_KEY is missing[\s\S]*PROXY_URL[\s\S]*AUTH0_AUDIENCE is missing/),
    })
  })
})
