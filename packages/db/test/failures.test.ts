import { createServer, type Socket } from 'node:net'
import fbiMonitoring from '@fbi/monitoring'
import type { FastifyInstance } from 'fastify'
import { describe, expect, it, type TestContext, vi } from 'vitest'
import { BACKENDS, type Backend, buildApp, logCollector, proxiedDatabase } from './helpers.js'

const DOWN = { code: 503, message: 'Database connection failed: Service unavailable' }

function routes(app: FastifyInstance) {
  app.get('/items', async () => {
    const { rows } = await app.pg.query<{ id: number }>('SELECT id FROM item ORDER BY id')
    return rows
  })
  app.post('/items', async (_request, reply) => {
    const { rows } = await app.pg.query<{ id: number }>('INSERT INTO item DEFAULT VALUES RETURNING id')
    return reply.code(201).send(rows[0])
  })
  app.get('/bad-sql', async () => {
    await app.pg.query('SELECT secret_column FROM no_such_table WHERE x = $1', ['password123'])
  })
}

/** A database reachable only through a TCP proxy the test can cut: the real server, or a PGlite of its own. */
async function proxiedApp(ctx: TestContext, backend: Backend, log?: ReturnType<typeof logCollector>) {
  const { url, proxy, embedded, database } = await proxiedDatabase(ctx, 'failures', backend)
  const app = buildApp(url, {
    ...(log ? { logger: log.logger } : {}),
    // PGlite serves one connection safely (see README), so its pool has one client.
    db: { ...database.options, connectTimeoutMs: 1000, ...(embedded ? { poolSize: 1 } : {}) },
  })
  ctx.onTestFinished(() => app.close())
  routes(app)
  await app.ready()
  await app.pg.query('CREATE TABLE item (id serial PRIMARY KEY)')
  return { app, proxy }
}

describe.each(BACKENDS)('database failures (%s)', (backend) => {
  it('answers 503 while the database is unreachable and recovers by itself when it is back', async (ctx) => {
    const log = logCollector()
    const { app, proxy } = await proxiedApp(ctx, backend, log)
    expect((await app.inject({ method: 'POST', url: '/items' })).statusCode).toBe(201)

    await proxy.cut()
    await vi.waitFor(() => expect(app.pg.pool.totalCount).toBe(0))
    for (const request of [
      { method: 'GET', url: '/items' },
      { method: 'POST', url: '/items' },
    ] as const) {
      const res = await app.inject(request)
      expect(res.statusCode).toBe(503)
      expect(res.headers['content-type']).toMatch(/^application\/json/)
      expect(res.json()).toEqual(DOWN)
    }
    // The idle client's error was logged, not thrown (an unhandled 'error' event would end the process).
    expect(log.lines.some((l) => l.level === 40 && l.msg === 'database client error')).toBe(true)

    await proxy.restore()
    const posted = await app.inject({ method: 'POST', url: '/items' })
    expect(posted.statusCode).toBe(201)
    const listed = await app.inject({ url: '/items' })
    expect(listed.statusCode).toBe(200)
    expect(listed.json()).toEqual([{ id: 1 }, { id: 2 }])
  })

  it('fails a transaction cut in the middle with its connection error and loses none of the pool', async (ctx) => {
    const { app, proxy } = await proxiedApp(ctx, backend)
    const err = await app.db
      .transaction(async (client) => {
        await client.query('INSERT INTO item DEFAULT VALUES')
        await proxy.cut()
        await client.query('INSERT INTO item DEFAULT VALUES')
      })
      .catch((e: unknown) => e)
    expect(err).toBeInstanceOf(Error)
    expect(app.pg.pool.waitingCount).toBe(0)
    await proxy.restore()
    // Nothing of the cut transaction was committed, and the pool works again.
    const { rows } = await app.pg.query<{ n: number }>('SELECT count(*)::int AS n FROM item')
    expect(rows[0]?.n).toBe(0)
  })

  it('answers 500 "Query error" for bad SQL without leaking the statement, values or driver message', async (ctx) => {
    const { app } = await proxiedApp(ctx, backend)
    const res = await app.inject({ url: '/bad-sql' })
    expect(res.statusCode).toBe(500)
    expect(res.headers['content-type']).toMatch(/^application\/json/)
    expect(res.json()).toEqual({ code: 500, message: 'Query error' })
    expect(res.body).not.toMatch(/no_such_table|secret_column|password123|relation|does not exist/)
  })
})

describe('database failures of the embedded database and of a silent server', () => {
  it('recovers after the embedded PGlite server is stopped and started again', async (ctx) => {
    const app = buildApp(undefined)
    ctx.onTestFinished(() => app.close())
    routes(app)
    await app.ready()
    await app.pg.query('CREATE TABLE item (id serial PRIMARY KEY)')
    expect((await app.inject({ method: 'POST', url: '/items' })).statusCode).toBe(201)

    await app.db.embedded?.stop()
    await vi.waitFor(() => expect(app.pg.pool.totalCount).toBe(0))
    const down = await app.inject({ url: '/items' })
    expect(down.statusCode).toBe(503)
    expect(down.json()).toEqual(DOWN)

    await app.db.embedded?.start()
    const back = await app.inject({ url: '/items' })
    expect(back.statusCode).toBe(200)
    expect(back.json()).toEqual([{ id: 1 }])
  })

  it('fails the "database" health check within its timeout when the server accepts but never answers', async (ctx) => {
    const sockets = new Set<Socket>()
    const blackHole = createServer((s) => sockets.add(s))
    await new Promise<void>((resolve) => blackHole.listen(0, '127.0.0.1', resolve))
    ctx.onTestFinished(
      () =>
        new Promise<void>((resolve) => {
          for (const s of sockets) s.destroy()
          blackHole.close(() => resolve())
        }),
    )
    const address = blackHole.address()
    const port = typeof address === 'object' && address !== null ? address.port : 0
    const app = buildApp(`postgres://postgres@127.0.0.1:${port}/none`, {
      before: (a) => {
        a.register(fbiMonitoring, { gracefulShutdown: false, processMetrics: false, requestLog: false })
      },
      db: { connectTimeoutMs: 3000, healthCheckTimeoutMs: 200 },
    })
    ctx.onTestFinished(() => app.close())
    await app.ready()
    const res = await app.inject({ url: '/healthcheck' })
    expect(res.statusCode).toBe(500)
    const database = (res.json() as { results: { checker: string; output: unknown }[] }).results.find(
      (r) => r.checker === 'database',
    )
    expect(database?.output).toBe('Database not available. Reason: no answer within 200 ms')
  })
})
