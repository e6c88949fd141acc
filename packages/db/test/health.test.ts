import { join } from 'node:path'
import fbiMonitoring from '@fbi/monitoring'
import type { FastifyInstance } from 'fastify'
import { describe, expect, it, type TestContext, vi } from 'vitest'
import { type EmbeddedDatabase, startEmbedded } from '../src/index.js'
import {
  BACKENDS,
  type Backend,
  buildApp,
  createTestDatabase,
  proxiedDatabase,
  startProxy,
} from './helpers.js'

const V1 = join(import.meta.dirname, 'fixtures/migrations/v1')
const V2 = join(import.meta.dirname, 'fixtures/migrations/v2')

const withMonitoring = (app: FastifyInstance) => {
  app.register(fbiMonitoring, {
    healthCheckSuccessTtlMs: 0,
    healthCheckFailureTtlMs: 0,
    gracefulShutdown: false,
    processMetrics: false,
    requestLog: false,
  })
}

interface Result {
  checker: string
  output: unknown
  passed: boolean
}

async function health(app: FastifyInstance) {
  const res = await app.inject({ url: '/healthcheck' })
  const body = res.json() as { status: string; results: Result[] }
  const byName = Object.fromEntries(body.results.map((r) => [r.checker, r]))
  return { res, body, byName }
}

async function start(ctx: TestContext, dir: string | undefined, backend: Backend = 'direct') {
  const database = await createTestDatabase('health', backend)
  ctx.onTestFinished(() => database.drop())
  const app = buildApp(database.url, {
    before: withMonitoring,
    db: {
      ...database.options,
      healthCheckTimeoutMs: 1000,
      ...(dir === undefined ? {} : { migrations: database.migrations(dir) }),
    },
  })
  ctx.onTestFinished(() => app.close())
  await app.ready()
  return { app, database }
}

describe.each(BACKENDS)('health checks (%s)', (backend) => {
  it('passes "database" and "migrations" when connected and up to date', async (ctx) => {
    const { app } = await start(ctx, V1, backend)
    await app.db.migrate()
    const { res, body, byName } = await health(app)
    expect(res.statusCode).toBe(200)
    expect(res.headers['content-type']).toMatch(/^application\/json/)
    expect(body.status).toBe('success')
    expect(byName.database).toMatchObject({ passed: true, output: 'Database ok' })
    expect(byName.migrations).toMatchObject({
      passed: true,
      output: 'Database version: 1700000001000_add-note-body',
    })
  })

  it('puts "database" in readiness and "migrations" in startup', async (ctx) => {
    // A newer build ships three migrations; the database has only the first two.
    const { app } = await start(ctx, V2, backend)
    await app.db.migrate({ count: 2 })
    const ready = await app.inject({ url: '/healthcheck/ready' })
    expect(ready.statusCode).toBe(200)
    expect(ready.json()).toMatchObject({
      status: 'success',
      results: [{ checker: 'database', passed: true, groups: ['readiness'] }],
    })
    expect(ready.json().results).toHaveLength(1)
    const startup = await app.inject({ url: '/healthcheck/startup' })
    expect(startup.statusCode).toBe(503)
    expect(startup.json()).toMatchObject({
      status: 'failure',
      results: [
        {
          checker: 'migrations',
          passed: false,
          groups: ['startup'],
          output: 'Database migrations behind: 1 pending, newest is 1700000002000_create-tag',
        },
      ],
    })
    expect((await app.inject({ url: '/healthcheck/live' })).json()).toMatchObject({
      status: 'success',
      results: [],
    })
    await app.db.migrate()
    expect((await app.inject({ url: '/healthcheck/startup' })).statusCode).toBe(200)
  })

  it('fails "migrations" when the applied version is behind the newest file shipped', async (ctx) => {
    // A newer build ships three migrations; the database has only the first two.
    const { app } = await start(ctx, V2, backend)
    await app.db.migrate({ count: 2 })
    const { res, body, byName } = await health(app)
    expect(res.statusCode).toBe(500)
    expect(body.status).toBe('failure')
    expect(byName.database?.passed).toBe(true)
    expect(byName.migrations).toMatchObject({
      passed: false,
      output: 'Database migrations behind: 1 pending, newest is 1700000002000_create-tag',
    })
    await app.db.migrate()
    expect((await health(app)).res.statusCode).toBe(200)
  })

  it('does not register "migrations" without a migrations directory', async (ctx) => {
    const { app } = await start(ctx, undefined, backend)
    const { byName } = await health(app)
    expect(Object.keys(byName)).toEqual(['database'])
  })

  it('fails "database" while the database is unreachable and passes again after', async (ctx) => {
    const database = await createTestDatabase('health', backend)
    ctx.onTestFinished(() => database.drop())
    const target = database.url === undefined ? undefined : new URL(database.url)
    let upstreamUrl = database.url
    let embedded: EmbeddedDatabase | undefined
    if (target === undefined) {
      embedded = await startEmbedded()
      ctx.onTestFinished(() => embedded?.close())
      upstreamUrl = embedded.connectionString
    }
    const upstream = new URL(upstreamUrl ?? '')
    const proxy = await startProxy(upstream.hostname, Number(upstream.port))
    ctx.onTestFinished(() => proxy.close())
    const app = buildApp(proxy.url(upstream.toString()), {
      before: withMonitoring,
      db: {
        ...database.options,
        healthCheckTimeoutMs: 1000,
        connectTimeoutMs: 500,
        ...(embedded ? { poolSize: 1 } : {}),
      },
    })
    ctx.onTestFinished(() => app.close())
    await app.ready()

    expect((await health(app)).byName.database?.passed).toBe(true)
    await proxy.cut()
    // The pool notices the cut on its idle client by itself (and must not crash doing so).
    await vi.waitFor(() => expect(app.pg.pool.totalCount).toBe(0))
    const down = await health(app)
    expect(down.res.statusCode).toBe(500)
    expect(down.byName.database).toMatchObject({
      passed: false,
      output: 'Database not available. Reason: ECONNREFUSED',
    })
    await proxy.restore()
    expect((await health(app)).byName.database).toMatchObject({ passed: true, output: 'Database ok' })
  })
  it("fails as the original's checks did in compat mode, with a code instead of the driver's message", async (ctx) => {
    const { url, proxy, embedded, database } = await proxiedDatabase(ctx, 'health', backend)
    const app = buildApp(url, {
      before: withMonitoring,
      compat: 'flask',
      db: {
        ...database.options,
        healthCheckTimeoutMs: 1000,
        connectTimeoutMs: 500,
        ...(embedded ? { poolSize: 1 } : {}),
      },
    })
    ctx.onTestFinished(() => app.close())
    await app.ready()
    const up = await health(app)
    expect(up.res.statusCode).toBe(200)
    expect(up.byName.database_connectivity_test).toMatchObject({ passed: true, output: 'Database ok' })
    // No migrations and no alembic_version: the original said "unknown" for an empty history.
    expect(up.byName.database_version_test).toMatchObject({
      passed: true,
      output: 'Database version: unknown',
    })
    await proxy.cut()
    await vi.waitFor(() => expect(app.pg.pool.totalCount).toBe(0))
    const down = await health(app)
    expect(down.res.statusCode).toBe(500)
    expect(down.byName.database_connectivity_test).toMatchObject({
      passed: false,
      output: 'Database not available. Reason: ECONNREFUSED',
    })
    expect(down.byName.database_version_test).toMatchObject({
      passed: false,
      output: 'Database version not available. Reason: ECONNREFUSED',
    })
  })
})
