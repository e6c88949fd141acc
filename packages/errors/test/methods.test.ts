import { describe, expect, it } from 'vitest'
import { buildApp, throwingLogger } from './helpers.js'

async function routedApp(options = {}) {
  const { app } = await buildApp({ isProduction: true, ...options })
  app.get('/running', async () => ({ running: true }))
  app.get('/things', async () => [])
  app.post('/things', async () => ({ created: true }))
  // A route hook standing for @fbi/security's: it must never see a request for an empty id.
  app.get(
    '/p/:id',
    {
      onRequest: async (_request, reply) => {
        reply.code(401).send({ code: 401, message: 'Unauthorized' })
      },
    },
    async () => ({ ok: true }),
  )
  app.get('/static/*', async (request) => ({ path: (request.params as Record<string, string>)['*'] }))
  await app.register(async (child) => {
    child.delete('/child/:id', async () => ({ deleted: true }))
  })
  return app
}

describe('a known path with another method', () => {
  it.for([
    ['POST', '/running', 'GET, HEAD, OPTIONS'],
    ['DELETE', '/things', 'GET, HEAD, OPTIONS, POST'],
    ['PUT', '/p/p1', 'GET, HEAD, OPTIONS'],
    ['GET', '/child/1', 'DELETE, OPTIONS'],
    ['PATCH', '/running?x=1', 'GET, HEAD, OPTIONS'],
  ] as const)('%s %s answers 405 with Allow: %s', async ([method, url, allow], ctx) => {
    const app = await routedApp()
    ctx.onTestFinished(() => app.close())
    const res = await app.inject({ method, url })
    expect(res.statusCode).toBe(405)
    expect(res.headers.allow).toBe(allow)
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8')
    expect(res.json()).toEqual({ code: 405, message: 'Method Not Allowed' })
  })

  it('answers OPTIONS with 200, Allow and no body, as Werkzeug did for the original', async (ctx) => {
    const app = await routedApp()
    ctx.onTestFinished(() => app.close())
    const res = await app.inject({ method: 'OPTIONS', url: '/running' })
    expect(res.statusCode).toBe(200)
    expect(res.headers.allow).toBe('GET, HEAD, OPTIONS')
    expect(res.body).toBe('')
  })

  it('leaves an OPTIONS route of the application (CORS preflight) in charge', async (ctx) => {
    const app = await routedApp()
    ctx.onTestFinished(() => app.close())
    app.options('/things', async (_request, reply) =>
      reply.code(204).header('access-control-allow-origin', '*').send(),
    )
    const res = await app.inject({ method: 'OPTIONS', url: '/things' })
    expect(res.statusCode).toBe(204)
    expect(res.headers['access-control-allow-origin']).toBe('*')
    expect(res.headers.allow).toBeUndefined()
  })

  it('answers in the problem+json shape when asked', async (ctx) => {
    const app = await routedApp({ problemJson: true })
    ctx.onTestFinished(() => app.close())
    const res = await app.inject({ method: 'POST', url: '/running' })
    expect(res.statusCode).toBe(405)
    expect(res.headers.allow).toBe('GET, HEAD, OPTIONS')
    expect(res.json()).toMatchObject({ status: 405, title: 'Method Not Allowed' })
  })
})

describe('unknown paths', () => {
  it.for([
    ['GET', '/nope'],
    ['OPTIONS', '/nope'],
    ['POST', '/running/extra'],
  ] as const)('%s %s is a 404 without Allow', async ([method, url], ctx) => {
    const app = await routedApp()
    ctx.onTestFinished(() => app.close())
    const res = await app.inject({ method, url })
    expect(res.statusCode).toBe(404)
    expect(res.headers.allow).toBeUndefined()
    expect(res.json()).toEqual({ code: 404, message: 'Not Found' })
  })
})

describe('an empty path parameter', () => {
  it.for(['GET', 'HEAD'] as const)(
    '%s /p/ against /p/:id is a 404, decided before any route hook',
    async (method, ctx) => {
      const app = await routedApp()
      ctx.onTestFinished(() => app.close())
      const res = await app.inject({ method, url: '/p/' })
      expect(res.statusCode).toBe(404)
      if (method === 'GET') expect(res.json()).toEqual({ code: 404, message: 'Not Found' })
    },
  )

  it.for([
    ['undefined', undefined],
    ['null', null],
    ["''", ''],
  ] as const)(
    'is a 404, the route hook and handler never run, when the logger throws %s',
    async ([, value], ctx) => {
      const { app } = await buildApp({ isProduction: true, loggerInstance: throwingLogger(value) })
      ctx.onTestFinished(() => app.close())
      const ran: string[] = []
      app.get('/q/:id', { onRequest: async () => void ran.push('route hook') }, async () => {
        ran.push('handler')
        return { ok: true }
      })
      const res = await app.inject('/q/')
      expect(res.statusCode).toBe(404)
      expect(res.json()).toEqual({ code: 404, message: 'Not Found' })
      expect(ran).toEqual([])
      // The not-found handler and a wrong method answer whatever the logger does, too.
      expect((await app.inject('/nope')).statusCode).toBe(404)
      const wrongMethod = await app.inject({ method: 'DELETE', url: '/q/1' })
      expect(wrongMethod.statusCode).toBe(405)
      expect(wrongMethod.json()).toEqual({ code: 405, message: 'Method Not Allowed' })
    },
  )

  it('is a 404 for another method too, not a 405', async (ctx) => {
    const app = await routedApp()
    ctx.onTestFinished(() => app.close())
    const res = await app.inject({ method: 'POST', url: '/p/' })
    expect(res.statusCode).toBe(404)
    expect(res.headers.allow).toBeUndefined()
  })

  it('still reaches the route hook with a real id', async (ctx) => {
    const app = await routedApp()
    ctx.onTestFinished(() => app.close())
    expect((await app.inject('/p/p1')).statusCode).toBe(401)
  })

  it('lets an optional parameter be empty', async (ctx) => {
    const app = await routedApp()
    ctx.onTestFinished(() => app.close())
    app.get('/opt/:id?', async (request) => ({ params: request.params }))
    for (const url of ['/opt', '/opt/']) expect((await app.inject(url)).statusCode).toBe(200)
    expect((await app.inject('/opt/1')).json()).toEqual({ params: { id: '1' } })
  })

  it('is a 404 for each empty part of a multi-parameter segment', async (ctx) => {
    const app = await routedApp()
    ctx.onTestFinished(() => app.close())
    app.get('/span/:from-:to', async (request) => ({ params: request.params }))
    expect((await app.inject('/span/1-2')).statusCode).toBe(200)
    expect((await app.inject('/span/-2')).statusCode).toBe(404)
  })

  it('lets a wildcard match nothing', async (ctx) => {
    const app = await routedApp()
    ctx.onTestFinished(() => app.close())
    const res = await app.inject('/static/')
    expect(res.statusCode).toBe(200)
    expect(res.json()).toEqual({ path: '' })
  })
})
