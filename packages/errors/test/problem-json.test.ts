import { describe, expect, it } from 'vitest'
import { EntityNotFound, ServiceUnavailable } from '../src/index.js'
import { buildApp } from './helpers.js'

describe('problemJson mode (RFC 9457)', () => {
  it('answers thrown errors as application/problem+json', async (ctx) => {
    const { app } = await buildApp({ problemJson: true, isProduction: true })
    ctx.onTestFinished(() => app.close())
    app.get('/p/:id', async () => {
      throw new EntityNotFound('No such patient')
    })
    const res = await app.inject({ url: '/p/1', headers: { 'x-request-id': 'ignored-here' } })
    expect(res.statusCode).toBe(404)
    expect(res.headers['content-type']).toBe('application/problem+json; charset=utf-8')
    const body = res.json()
    expect(body).toEqual({
      type: 'about:blank',
      title: 'Not Found',
      status: 404,
      detail: 'No such patient',
      instance: expect.any(String),
    })
    expect(body.instance).toMatch(/^req-/)
  })

  it('answers unknown routes and keeps Retry-After', async (ctx) => {
    const { app } = await buildApp({ problemJson: true })
    ctx.onTestFinished(() => app.close())
    app.get('/busy', async () => {
      throw new ServiceUnavailable(undefined, { retryAfter: 10 })
    })
    const notFound = await app.inject('/nope')
    expect(notFound.headers['content-type']).toBe('application/problem+json; charset=utf-8')
    expect(notFound.json()).toMatchObject({ status: 404, title: 'Not Found', detail: 'Not Found' })
    const busy = await app.inject('/busy')
    expect(busy.statusCode).toBe(503)
    expect(busy.headers['retry-after']).toBe('10')
    expect(busy.json()).toMatchObject({
      status: 503,
      title: 'Service Unavailable',
      detail: 'Service unavailable',
    })
  })
})
