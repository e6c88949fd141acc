import fbiConfig from '@fbi/config'
import fbiDb from '@fbi/db'
import fbiErrors, { EntityNotFound } from '@fbi/errors'
import fbiMonitoring from '@fbi/monitoring'
import fbiSchema, { Type } from '@fbi/schema'
import fbiSecurity, { scopesPresent } from '@fbi/security'
import Fastify from 'fastify'
import { describe, expect, it } from 'vitest'
import { databaseEnv, ENV, token } from './helpers.js'

// Each battery is its own package: these register one at a time, with only @fbi/config beside it.
describe('each battery without @fbi/all', () => {
  it('@fbi/errors alone', async (ctx) => {
    const app = Fastify()
    ctx.onTestFinished(() => app.close())
    await app.register(fbiErrors)
    app.get('/', async () => {
      throw new EntityNotFound('gone')
    })
    const res = await app.inject('/')
    expect(res.statusCode).toBe(404)
    expect(res.json()).toEqual({ code: 404, message: 'gone' })
  })

  it('@fbi/monitoring with @fbi/config', async (ctx) => {
    const app = Fastify()
    ctx.onTestFinished(() => app.close())
    await app.register(fbiConfig, { env: { ...ENV }, jwt: false })
    await app.register(fbiMonitoring, { gracefulShutdown: false })
    const res = await app.inject('/running')
    expect(res.statusCode).toBe(200)
    expect(res.json()).toEqual({ running: true })
  })

  it('@fbi/schema with @fbi/config', async (ctx) => {
    const app = Fastify()
    ctx.onTestFinished(() => app.close())
    await app.register(fbiConfig, { env: { ...ENV }, jwt: false })
    await app.register(fbiSchema, { openapi: false })
    app.post(
      '/',
      { schema: { body: Type.Object({ at: Type.String({ format: 'date-time' }) }) } },
      async () => 'ok',
    )
    const res = await app.inject({ method: 'POST', url: '/', payload: { at: 'yesterday' } })
    expect(res.statusCode).toBe(400)
  })

  it('@fbi/security with @fbi/config', async (ctx) => {
    const app = Fastify()
    ctx.onTestFinished(() => app.close())
    await app.register(fbiConfig, { env: { ...ENV } })
    await app.register(fbiSecurity)
    app.get('/', { config: { protect: scopesPresent('read:x') } }, async () => 'ok')
    expect((await app.inject('/')).statusCode).toBe(401)
    const res = await app.inject({ url: '/', headers: { authorization: `Bearer ${token(['read:x'])}` } })
    expect(res.statusCode).toBe(200)
    expect(res.body).toBe('ok')
  })

  it('@fbi/db with @fbi/config', { timeout: 120_000 }, async (ctx) => {
    const app = Fastify()
    ctx.onTestFinished(() => app.close())
    await app.register(fbiConfig, { env: { ...ENV, ...databaseEnv() }, jwt: false, db: true })
    await app.register(fbiDb)
    const { rows } = await app.pg.query<{ two: number }>('SELECT 2 AS two')
    expect(rows).toEqual([{ two: 2 }])
  })

  it('a battery registered without @fbi/config fails with Fastify own error', async (ctx) => {
    const app = Fastify()
    ctx.onTestFinished(() => app.close())
    app.register(fbiSecurity)
    await expect(app.ready()).rejects.toMatchObject({
      code: 'FST_ERR_PLUGIN_NOT_PRESENT_IN_INSTANCE',
      message: expect.stringContaining("'config' required by '@fbi/security'"),
    })
  })
})
