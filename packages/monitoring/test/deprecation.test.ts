import { describe, expect, it } from 'vitest'
import { deprecationHeaders } from '../src/index.js'
import { buildApp } from './helpers.js'

const since = new Date('2025-01-31T00:00:00Z')
const sunset = new Date('2026-12-31T23:59:59Z')

describe('deprecated routes', () => {
  it('send Deprecation, Link and Sunset headers, log a warning per call and count calls', async (ctx) => {
    const { app, logs } = await buildApp({
      routes: (a) => {
        a.get(
          '/v1/patient/:id',
          { config: { deprecated: { since, supersededBy: 'GET /v2/patient/:id', sunset } } },
          async () => ({ old: true }),
        )
        a.get('/v2/patient/:id', async () => ({ new: true }))
      },
    })
    ctx.onTestFinished(() => app.close())
    const res = await app.inject({ url: '/v1/patient/1' })
    await app.inject({ url: '/v1/patient/2' })
    expect(res.statusCode).toBe(200)
    expect(res.json()).toEqual({ old: true })
    expect(res.headers.deprecation).toBe(`@${since.getTime() / 1000}`)
    expect(res.headers.deprecation).toBe('@1738281600')
    expect(res.headers.link).toBe('</v2/patient/1>; rel="successor-version"')
    expect(res.headers.sunset).toBe('Thu, 31 Dec 2026 23:59:59 GMT')
    // Built without monitoringServerOptions: the start-up advice about them is not one of these.
    const warnings = logs.filter(
      (line) => line.level === 40 && !line.msg.includes('without fbiServerOptions'),
    )
    expect(warnings.map((line) => line.msg)).toEqual([
      'Deprecated route called: GET /v1/patient/:id',
      'Deprecated route called: GET /v1/patient/:id',
    ])
    expect(warnings[0]?.reqId).toBe(res.headers['x-request-id'])
    const current = await app.inject({ url: '/v2/patient/1' })
    expect(current.headers.deprecation).toBeUndefined()
    expect(current.headers.link).toBeUndefined()
    const metrics = (await app.inject({ url: '/metrics' })).body
    expect(metrics).toMatch(/^http_deprecated_requests_total\{method="GET",route="\/v1\/patient\/:id"\} 2$/m)
    expect(metrics).not.toMatch(/http_deprecated_requests_total\{[^}]*v2/)
  })

  it('send the headers on error responses of the route too', async (ctx) => {
    const { app } = await buildApp({
      routes: (a) =>
        a.post('/old', { config: { deprecated: { since } } }, async () => {
          throw new Error('kaput')
        }),
    })
    ctx.onTestFinished(() => app.close())
    const res = await app.inject({ method: 'POST', url: '/old', payload: {} })
    expect(res.statusCode).toBe(500)
    expect(res.headers.deprecation).toBe('@1738281600')
    expect(res.headers.link).toBeUndefined()
    expect(res.headers.sunset).toBeUndefined()
  })

  it('send the headers when a hook refuses the request before the handler (e.g. 401)', async (ctx) => {
    const { app } = await buildApp({
      routes: (a) => {
        a.addHook('onRequest', async (_request, reply) =>
          reply.code(401).send({ code: 401, message: 'Unauthorized' }),
        )
        a.get('/old', { config: { deprecated: { since, supersededBy: 'GET /new' } } }, async () => 'x')
      },
    })
    ctx.onTestFinished(() => app.close())
    const res = await app.inject({ url: '/old' })
    expect(res.statusCode).toBe(401)
    expect(res.headers.deprecation).toBe('@1738281600')
    expect(res.headers.link).toBe('</new>; rel="successor-version"')
  })

  it('fill the successor in Link with the request parameters of the same name, encoded', async (ctx) => {
    const { app } = await buildApp({
      routes: (a) => {
        a.get(
          '/v1/ward/:ward_id/patient/:patient_id',
          { config: { deprecated: { since, supersededBy: 'GET /v2/patient/:patient_id/ward/:ward_id' } } },
          async () => 'old',
        )
        a.get(
          '/v1/files/*',
          { config: { deprecated: { since, supersededBy: 'GET /v2/files/*' } } },
          async () => 'old',
        )
      },
    })
    ctx.onTestFinished(() => app.close())
    const res = await app.inject({ url: '/v1/ward/w%201/patient/p%3E%0D%0Ax' })
    expect(res.statusCode).toBe(200)
    expect(res.headers.link).toBe('</v2/patient/p%3E%0D%0Ax/ward/w%201>; rel="successor-version"')
    const files = await app.inject({ url: '/v1/files/a/b%20c.txt' })
    expect(files.headers.link).toBe('</v2/files/a/b%20c.txt>; rel="successor-version"')
  })

  it('fail startup when the successor names a parameter the route does not have', async () => {
    await expect(
      buildApp({
        routes: (a) =>
          a.get(
            '/v1/p/:patient_id',
            { config: { deprecated: { supersededBy: 'GET /v2/p/:id' } } },
            async () => 'x',
          ),
      }),
    ).rejects.toMatchObject({
      code: 'FBI_MONITORING_INVALID_DEPRECATION',
      message:
        'Invalid config.deprecated on route GET /v1/p/:patient_id: supersededBy names the parameter :id, which the route does not have',
    })
  })

  it("with compat: 'flask', date Deprecation as the original did (ISO with +00:00, or true)", async (ctx) => {
    const { app } = await buildApp({
      monitoring: { compat: 'flask' },
      routes: (a) => {
        a.get('/dep', { config: { deprecated: { since, supersededBy: 'GET /v2/dep' } } }, async () => 'x')
        a.get('/dep2', { config: { deprecated: {} } }, async () => 'x')
      },
    })
    ctx.onTestFinished(() => app.close())
    const dated = await app.inject({ url: '/dep' })
    expect(dated.headers.deprecation).toBe('2025-01-31T00:00:00.000+00:00')
    expect(dated.headers.link).toBe('</v2/dep>; rel="successor-version"')
    expect((await app.inject({ url: '/dep2' })).headers.deprecation).toBe('true')
  })

  it('date the deprecation at registration when `since` is not given', async (ctx) => {
    const before = Math.floor(Date.now() / 1000)
    const { app } = await buildApp({
      routes: (a) => a.get('/old', { config: { deprecated: {} } }, async () => 'x'),
    })
    ctx.onTestFinished(() => app.close())
    const after = Math.floor(Date.now() / 1000)
    const value = (await app.inject({ url: '/old' })).headers.deprecation as string
    expect(value).toMatch(/^@\d+$/)
    const seconds = Number(value.slice(1))
    expect(seconds).toBeGreaterThanOrEqual(before)
    expect(seconds).toBeLessThanOrEqual(after)
  })

  it.each([
    [{ supersededBy: 'GETT /x' }, "supersededBy 'GETT /x' is not 'METHOD /path'"],
    [{ supersededBy: 'GET x' }, "supersededBy 'GET x' is not 'METHOD /path'"],
    [{ supersededBy: '/x' }, "supersededBy '/x' is not 'METHOD /path'"],
    [{ supersededBy: 'GET /a b' }, 'is not'],
    [{ supersededBy: 'GET /x/:id(^\\d+$)' }, 'is not'],
    [{ supersededBy: 42 }, 'supersededBy must be a string'],
    [{ since: '2025-01-01' }, 'since must be a valid Date'],
    [{ sunset: new Date('nope') }, 'sunset must be a valid Date'],
    [{ since, sunset: new Date('2020-01-01') }, 'sunset must not be before since'],
    [{ sinse: since }, "unknown key 'sinse'"],
    [true, 'must be an object'],
  ])('fail startup on an invalid config %j', async (deprecated, why) => {
    await expect(
      buildApp({
        routes: (a) => a.get('/old', { config: { deprecated: deprecated as never } }, async () => 'x'),
      }),
    ).rejects.toMatchObject({
      code: 'FBI_MONITORING_INVALID_DEPRECATION',
      statusCode: 500,
      message: expect.stringContaining(`Invalid config.deprecated on route GET /old: `),
    })
    await expect(
      buildApp({
        routes: (a) => a.get('/old', { config: { deprecated: deprecated as never } }, async () => 'x'),
      }),
    ).rejects.toThrow(why)
  })
})

describe('deprecationHeaders', () => {
  it('builds the header values for one set of parameters', () => {
    expect(deprecationHeaders('GET', '/a', { since, supersededBy: 'POST /b' }, new Date())).toEqual({
      deprecation: '@1738281600',
      link: '</b>; rel="successor-version"',
    })
    expect(
      deprecationHeaders('GET', '/a/:id', { since, supersededBy: 'GET /b/:id' }, new Date(), { id: '7' }),
    ).toEqual({ deprecation: '@1738281600', link: '</b/7>; rel="successor-version"' })
  })
})
