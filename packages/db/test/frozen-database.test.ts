import { setTimeout as sleep } from 'node:timers/promises'
import type { FastifyInstance, InjectOptions } from 'fastify'
import { describe, expect, it, type TestContext, vi } from 'vitest'
import { DB_DEFAULTS } from '../src/index.js'
import type { TcpProxy } from '../src/testing.js'
import { BACKENDS, type Backend, buildApp, proxiedDatabase } from './helpers.js'

/*
 * The database stops answering with its TCP connections open (a paused VM, stalled storage): the
 * `@fbi/db/testing` proxy's freeze holds every byte either way. Every request must end within
 * connectTimeoutMs (waiting for a connection) + statementTimeoutMs + the client-side margin (its
 * query), with a 503, and the service must come back by itself when the database does.
 */
const STATEMENT_MS = 1000
const CONNECT_MS = 1000
const BOUND_MS = CONNECT_MS + STATEMENT_MS + DB_DEFAULTS.queryTimeoutMarginMs
// Time the machine may add on a loaded CI host; it loosens no assertion about what ended the request.
const SLACK_MS = 1500
const DOWN = { code: 503, message: 'Database connection failed: Service unavailable' }

async function frozenApp(
  ctx: TestContext,
  backend: Backend,
): Promise<{ app: FastifyInstance; proxy: TcpProxy }> {
  const { url, proxy, embedded, database } = await proxiedDatabase(ctx, 'frozen', backend)
  const app = buildApp(url, {
    db: {
      ...database.options,
      statementTimeoutMs: STATEMENT_MS,
      connectTimeoutMs: CONNECT_MS,
      // PGlite serves one connection safely (see README).
      poolSize: embedded ? 1 : 10,
    },
  })
  ctx.onTestFinished(() => app.close())
  app.get('/items', async () => {
    const { rows } = await app.pg.query<{ n: number }>('SELECT count(*)::int AS n FROM item')
    return rows[0]
  })
  app.get('/slow', async () => {
    await app.pg.query('SELECT pg_sleep(0.4)')
    return { slept: true }
  })
  app.post('/transfer', async (_request, reply) => {
    await app.db.transaction(async (client) => {
      await client.query('INSERT INTO item DEFAULT VALUES')
      // The database stops answering between two statements of the transaction.
      proxy.freeze()
      await client.query('INSERT INTO item DEFAULT VALUES')
    })
    return reply.code(201).send({ done: true })
  })
  await app.ready()
  await app.pg.query('CREATE TABLE item (id serial PRIMARY KEY)')
  return { app, proxy }
}

async function timed(app: FastifyInstance, request: InjectOptions) {
  const started = performance.now()
  const res = await app.inject(request)
  return { status: res.statusCode, body: res.json() as unknown, ms: performance.now() - started }
}

describe.each(BACKENDS)('a database that stops answering (%s)', (backend) => {
  it('ends a query in flight with 503 after statement timeout + margin and drops its connection', async (ctx) => {
    const { app, proxy } = await frozenApp(ctx, backend)
    const pending = timed(app, { url: '/slow' })
    await sleep(100)
    proxy.freeze()
    const res = await pending
    expect(res.status).toBe(503)
    expect(res.body).toEqual(DOWN)
    // Ended by the client-side bound (the server's answer is held), not by anything later.
    expect(res.ms).toBeGreaterThanOrEqual(STATEMENT_MS + DB_DEFAULTS.queryTimeoutMarginMs - 150)
    expect(res.ms).toBeLessThan(STATEMENT_MS + DB_DEFAULTS.queryTimeoutMarginMs + SLACK_MS)
    // The timed-out connection is destroyed, not handed to the next request.
    expect(app.pg.pool.totalCount).toBe(0)
    await vi.waitFor(() => expect(proxy.connections).toBe(0))
  })

  it('answers 50 concurrent requests with 503 within the bound, then recovers by itself', async (ctx) => {
    const { app, proxy } = await frozenApp(ctx, backend)
    expect((await timed(app, { url: '/items' })).status).toBe(200)
    proxy.freeze()
    const frozen = await Promise.all(Array.from({ length: 50 }, () => timed(app, { url: '/items' })))
    expect(frozen.map((r) => r.status)).toEqual(Array(50).fill(503))
    for (const r of frozen) expect(r.body).toEqual(DOWN)
    const slowest = Math.max(...frozen.map((r) => r.ms))
    expect(slowest).toBeLessThan(BOUND_MS + SLACK_MS)
    expect(app.pg.pool.waitingCount).toBe(0)

    await proxy.restore()
    // No restart, no call into the pool: the next requests get new connections.
    await vi.waitFor(async () => expect((await timed(app, { url: '/items' })).status).toBe(200), {
      timeout: 30_000,
      interval: 100,
    })
    const back = await Promise.all(Array.from({ length: 50 }, () => timed(app, { url: '/items' })))
    expect(back.map((r) => r.status)).toEqual(Array(50).fill(200))
    expect(app.pg.pool.totalCount).toBeLessThanOrEqual(app.pg.pool.options.max)
    console.info(
      `[${backend}] frozen: 50 × 503, slowest ${Math.round(slowest)} ms (bound ${BOUND_MS} ms); ` +
        `after restore: 50 × 200, slowest ${Math.round(Math.max(...back.map((r) => r.ms)))} ms`,
    )
  })

  it('ends a transaction frozen between two statements within one bound, committing nothing', async (ctx) => {
    const { app, proxy } = await frozenApp(ctx, backend)
    const res = await timed(app, { method: 'POST', url: '/transfer' })
    expect(res.status).toBe(503)
    expect(res.body).toEqual(DOWN)
    // One timeout, not two: no ROLLBACK is sent on a connection that stopped answering.
    expect(res.ms).toBeLessThan(STATEMENT_MS + DB_DEFAULTS.queryTimeoutMarginMs + SLACK_MS)
    expect(app.pg.pool.totalCount).toBe(0)
    await proxy.restore()
    await vi.waitFor(async () => expect((await timed(app, { url: '/items' })).body).toEqual({ n: 0 }), {
      timeout: 30_000,
      interval: 100,
    })
  })
})
