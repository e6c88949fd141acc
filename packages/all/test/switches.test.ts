import Fastify from 'fastify'
import { describe, expect, it } from 'vitest'
import fbi from '../src/index.js'
import { ENV } from './helpers.js'

describe('battery switches', () => {
  it('registers only what is on', async (ctx) => {
    const app = Fastify()
    ctx.onTestFinished(() => app.close())
    await app.register(fbi, {
      env: {},
      jwt: false,
      monitoring: false,
      openapi: false,
    })
    await app.ready()
    expect(app.hasPlugin('@fbi/config')).toBe(true)
    expect(app.hasPlugin('@fbi/errors')).toBe(true)
    expect(app.hasPlugin('@fbi/schema')).toBe(true)
    expect(app.hasPlugin('@fbi/monitoring')).toBe(false)
    expect(app.hasPlugin('@fbi/security')).toBe(false)
    expect(app.hasPlugin('@fbi/db')).toBe(false)
    expect((await app.inject('/running')).statusCode).toBe(404)
    expect((await app.inject('/docs/json')).statusCode).toBe(404)
  })

  it('hands compat to @fbi/config, where every battery reads it', async (ctx) => {
    const app = Fastify()
    ctx.onTestFinished(() => app.close())
    await app.register(fbi, { env: { ...ENV }, compat: 'flask' })
    await app.ready()
    expect(app.config.compat).toBe('flask')
  })

  it('turns security on with jwt by default, and passes each battery its options', async (ctx) => {
    const app = Fastify()
    ctx.onTestFinished(() => app.close())
    await app.register(fbi, {
      env: { ...ENV },
      errors: { problemJson: true },
      monitoring: { debugRoute: false, gracefulShutdown: false },
      openapi: { docs: '/api-docs' },
    })
    await app.ready()
    expect(app.hasPlugin('@fbi/security')).toBe(true)
    const notFound = await app.inject('/nope')
    expect(notFound.headers['content-type']).toBe('application/problem+json; charset=utf-8')
    expect(notFound.json()).toMatchObject({ status: 404, title: 'Not Found' })
    expect((await app.inject('/debug')).statusCode).toBe(404)
    expect((await app.inject('/api-docs/json')).statusCode).toBe(200)
  })

  it.for([
    ['errors', 'yes'],
    ['monitoring', 1],
    ['db', []],
  ] as const)('rejects %s: %j', async ([name, value], ctx) => {
    const app = Fastify()
    ctx.onTestFinished(() => app.close())
    app.register(fbi, { env: { ...ENV }, [name]: value })
    await expect(app.ready()).rejects.toMatchObject({
      code: 'FBI_ALL_INVALID_OPTION',
      message: `Invalid @fbi/all option '${name}': must be true, false or an options object`,
    })
  })

  it('refuses OpenAPI without the schema battery', async (ctx) => {
    const app = Fastify()
    ctx.onTestFinished(() => app.close())
    app.register(fbi, { env: { ...ENV }, schema: false, openapi: true })
    await expect(app.ready()).rejects.toMatchObject({ code: 'FBI_ALL_INVALID_OPTION' })
  })
})
