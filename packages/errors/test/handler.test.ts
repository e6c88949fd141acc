import { describe, expect, it } from 'vitest'
import { EntityNotFound } from '../src/index.js'
import { buildApp, LEVEL } from './helpers.js'

describe('the error handler', () => {
  it('turns a validation failure into a 400 naming the field', async (ctx) => {
    const { app } = await buildApp({ isProduction: true })
    ctx.onTestFinished(() => app.close())
    app.post(
      '/p',
      { schema: { body: { type: 'object', required: ['name'], properties: { name: { type: 'string' } } } } },
      async () => ({ ok: true }),
    )
    const res = await app.inject({ method: 'POST', url: '/p', payload: { age: 3 } })
    expect(res.statusCode).toBe(400)
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8')
    expect(res.json()).toEqual({ code: 400, message: "body must have required property 'name'" })
  })

  it('answers malformed JSON with a 400', async (ctx) => {
    const { app } = await buildApp({ isProduction: true })
    ctx.onTestFinished(() => app.close())
    app.post('/p', async () => ({ ok: true }))
    const res = await app.inject({
      method: 'POST',
      url: '/p',
      headers: { 'content-type': 'application/json' },
      payload: '{"a":',
    })
    expect(res.statusCode).toBe(400)
    expect(res.json()).toEqual({ code: 400, message: expect.any(String) })
    expect(res.body).not.toContain('at ')
  })

  it('answers an unsupported media type with a 415', async (ctx) => {
    const { app } = await buildApp({ isProduction: true })
    ctx.onTestFinished(() => app.close())
    app.post('/p', async () => ({ ok: true }))
    const res = await app.inject({
      method: 'POST',
      url: '/p',
      headers: { 'content-type': 'text/csv' },
      payload: 'a,b',
    })
    expect(res.statusCode).toBe(415)
    expect(res.json()).toMatchObject({ code: 415 })
  })

  it('hides the message of an unexpected error in production and logs its stack', async (ctx) => {
    const { app, logs } = await buildApp({ isProduction: true })
    ctx.onTestFinished(() => app.close())
    app.get('/', async () => {
      throw new TypeError("Cannot read properties of undefined (reading 'secret_column')")
    })
    const res = await app.inject('/')
    expect(res.statusCode).toBe(500)
    expect(res.json()).toEqual({ code: 500, message: 'Internal Server Error' })
    expect(res.body).not.toContain('secret_column')
    const line = logs.find((l) => l.level === LEVEL.error)
    expect(line?.err?.stack).toContain('TypeError')
    expect(line?.err?.message).toContain('secret_column')
  })

  it('shows the message of an unexpected error outside production, never the stack', async (ctx) => {
    const { app } = await buildApp({ isProduction: false })
    ctx.onTestFinished(() => app.close())
    app.get('/', async () => {
      throw new Error('boom')
    })
    const res = await app.inject('/')
    expect(res.statusCode).toBe(500)
    expect(res.json()).toEqual({ code: 500, message: 'boom' })
  })

  it('counts as production when @fbi/config is not registered', async (ctx) => {
    const { app } = await buildApp()
    ctx.onTestFinished(() => app.close())
    app.get('/', async () => {
      throw new Error('boom')
    })
    expect((await app.inject('/')).json()).toEqual({ code: 500, message: 'Internal Server Error' })
  })

  it('lets exposeServerErrors override the environment', async (ctx) => {
    const { app } = await buildApp({ isProduction: true, exposeServerErrors: true })
    ctx.onTestFinished(() => app.close())
    app.get('/', async () => {
      throw new Error('boom')
    })
    expect((await app.inject('/')).json()).toEqual({ code: 500, message: 'boom' })
  })

  it('keeps the status and message of any 4xx error, such as one from another plugin', async (ctx) => {
    const { app } = await buildApp({ isProduction: true })
    ctx.onTestFinished(() => app.close())
    app.get('/', async () => {
      throw Object.assign(new Error('Too many requests'), { statusCode: 429 })
    })
    const res = await app.inject('/')
    expect(res.statusCode).toBe(429)
    expect(res.json()).toEqual({ code: 429, message: 'Too many requests' })
  })

  it('answers a non-Error throw with a 500', async (ctx) => {
    const { app } = await buildApp({ isProduction: true })
    ctx.onTestFinished(() => app.close())
    app.get('/', async () => {
      throw 'a string'
    })
    const res = await app.inject('/')
    expect(res.statusCode).toBe(500)
    expect(res.json()).toEqual({ code: 500, message: 'Internal Server Error' })
  })

  it('logs client mistakes without a stack and server failures at error', async (ctx) => {
    const { app, logs } = await buildApp({ isProduction: true })
    ctx.onTestFinished(() => app.close())
    app.get('/missing', async () => {
      throw new EntityNotFound('No such patient')
    })
    await app.inject('/missing')
    const line = logs.find((l) => l.msg === 'No such patient')
    expect(line?.level).toBe(LEVEL.info)
    expect(line?.err).toBeUndefined()
    expect(JSON.stringify(line)).not.toContain('at ')
  })

  it('rejects an option of the wrong type', async () => {
    await expect(buildApp({ problemJson: 'yes' as unknown as boolean })).rejects.toMatchObject({
      code: 'FBI_ERRORS_INVALID_OPTION',
    })
  })
})

describe('the not-found handler', () => {
  it('answers unknown routes in the same shape', async (ctx) => {
    const { app } = await buildApp({ isProduction: true })
    ctx.onTestFinished(() => app.close())
    const res = await app.inject({ method: 'DELETE', url: '/nope?x=<script>' })
    expect(res.statusCode).toBe(404)
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8')
    expect(res.json()).toEqual({ code: 404, message: 'Not Found' })
  })
})
