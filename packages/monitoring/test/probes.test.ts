import { describe, expect, it } from 'vitest'
import { buildApp, requestLines } from './helpers.js'

describe('GET /running', () => {
  it('answers { running: true } with no-cache headers and is not logged per request', async (ctx) => {
    const { app, logs } = await buildApp()
    ctx.onTestFinished(() => app.close())
    const res = await app.inject({ url: '/running' })
    expect(res.statusCode).toBe(200)
    expect(res.json()).toEqual({ running: true })
    expect(res.headers['content-type']).toMatch(/^application\/json/)
    expect(res.headers['cache-control']).toBe('no-cache, must-revalidate')
    expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/)
    expect(requestLines(logs)).toEqual([])
  })
})
