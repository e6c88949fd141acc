import { join } from 'node:path'
import fbiMonitoring from '@fbi/monitoring'
import type { FastifyInstance } from 'fastify'
import pg from 'pg'
import { describe, expect, it, type TestContext, vi } from 'vitest'
import { main } from '../src/cli.js'
import { DB_DEFAULTS } from '../src/index.js'
import { startTcpProxy } from '../src/testing.js'
import { buildApp, createTestDatabase, requirePgBouncer, runSql } from './helpers.js'
import { startPgBouncer } from './pgbouncer.js'

/*
 * PgBouncer (Debian's 1.18) in transaction mode with its default settings, in front of the real
 * PostgreSQL: the shared one of `.ci/pgbouncer.sh` (FBI_TEST_PGBOUNCER_URL), or one of the test's own
 * where a setting or a frozen upstream is needed. The rest of the suite runs through it too (BACKENDS).
 */
const V1 = join(import.meta.dirname, 'fixtures/migrations/v1')
const DOWN = { code: 503, message: 'Database connection failed: Service unavailable' }

const withMonitoring = (app: FastifyInstance) => {
  app.register(fbiMonitoring, {
    healthCheckSuccessTtlMs: 0,
    healthCheckFailureTtlMs: 0,
    gracefulShutdown: false,
    processMetrics: false,
    requestLog: false,
  })
}

function itemsRoute(app: FastifyInstance) {
  app.get('/items', async () => {
    const { rows } = await app.pg.query<{ n: number }>('SELECT count(*)::int AS n FROM item')
    return rows[0]
  })
}

async function health(app: FastifyInstance) {
  const res = await app.inject({ url: '/healthcheck' })
  const body = res.json() as { results: { checker: string; output: unknown; passed: boolean }[] }
  return { status: res.statusCode, byName: Object.fromEntries(body.results.map((r) => [r.checker, r])) }
}

async function pooledDatabase(ctx: TestContext) {
  const database = await createTestDatabase('pgbouncer', 'pgbouncer')
  ctx.onTestFinished(() => database.drop())
  await runSql(database.directUrl ?? '', 'CREATE TABLE item (id serial PRIMARY KEY)')
  return { ...database, url: database.url ?? '', directUrl: database.directUrl ?? '' }
}

async function advisoryLocks(directUrl: string): Promise<number> {
  const [result] = await runSql(
    directUrl,
    "SELECT count(*)::int AS n FROM pg_locks l JOIN pg_database d ON d.oid = l.database WHERE l.locktype = 'advisory' AND d.datname = current_database()",
  )
  return (result?.rows[0] as { n: number } | undefined)?.n ?? -1
}

async function hasMigrationsTable(directUrl: string): Promise<boolean> {
  const [result] = await runSql(directUrl, "SELECT to_regclass('pgmigrations') IS NOT NULL AS t")
  return (result?.rows[0] as { t: boolean } | undefined)?.t === true
}

requirePgBouncer()

describe('behind PgBouncer in transaction mode', () => {
  it('is refused without transactionPooler (08P01: the statement_timeout start-up parameter), answering 503', async (ctx) => {
    const database = await pooledDatabase(ctx)
    const app = buildApp(database.url, { before: withMonitoring, db: { healthCheckTimeoutMs: 2000 } })
    ctx.onTestFinished(() => app.close())
    itemsRoute(app)
    await app.ready()
    const res = await app.inject({ url: '/items' })
    expect(res.statusCode).toBe(503)
    expect(res.json()).toEqual(DOWN)
    const { byName } = await health(app)
    expect(byName.database).toMatchObject({ passed: false, output: 'Database not available. Reason: 08P01' })
  })

  it('works with transactionPooler: the timeout per transaction, a database-level default for the rest', async (ctx) => {
    const database = await pooledDatabase(ctx)
    // What the README asks of the operator (ALTER ROLE … SET works the same): the server's own default.
    await runSql(
      database.directUrl,
      "DO $$ BEGIN EXECUTE format('ALTER DATABASE %I SET statement_timeout TO 300', current_database()); END $$",
    )
    const app = buildApp(database.url, {
      before: withMonitoring,
      db: { transactionPooler: true, statementTimeoutMs: 250 },
    })
    ctx.onTestFinished(() => app.close())
    app.get('/sleep', async () => {
      await app.pg.query('SELECT pg_sleep(1)')
      return {}
    })
    itemsRoute(app)
    await app.ready()
    expect((await app.inject({ url: '/items' })).json()).toEqual({ n: 0 })
    expect((await health(app)).status).toBe(200)
    const inTransaction = await app.db.transaction(
      async (client) => (await client.query<{ statement_timeout: string }>('SHOW statement_timeout')).rows[0],
    )
    expect(inTransaction).toEqual({ statement_timeout: '250ms' })
    const outside = await app.pg.query<{ statement_timeout: string }>('SHOW statement_timeout')
    expect(outside.rows[0]).toEqual({ statement_timeout: '300ms' })
    // The server cancels the long statement (57014): 503, and the pooled connection is fine after.
    const slow = await app.inject({ url: '/sleep' })
    expect(slow.statusCode).toBe(503)
    expect(slow.json()).toEqual({ code: 503, message: 'Service unavailable' })
    expect((await app.inject({ url: '/items' })).statusCode).toBe(200)
  })

  it('refuses to migrate through the pooler, declared or found out, taking no lock and changing nothing', async (ctx) => {
    const database = await pooledDatabase(ctx)
    const declared = buildApp(database.url, { db: { transactionPooler: true, migrations: { dir: V1 } } })
    ctx.onTestFinished(() => declared.close())
    await declared.ready()
    await expect(declared.db.migrate()).rejects.toMatchObject({
      code: 'FBI_DB_MIGRATIONS_NEED_SESSION',
      message: expect.stringContaining('transactionPooler: true'),
    })
    // Not declared (and no start-up parameter to be refused): the session check finds the pooler.
    const undeclared = buildApp(database.url, { db: { statementTimeoutMs: 0, migrations: { dir: V1 } } })
    ctx.onTestFinished(() => undeclared.close())
    await undeclared.ready()
    await expect(undeclared.db.migrate()).rejects.toMatchObject({
      code: 'FBI_DB_MIGRATIONS_NEED_SESSION',
      message: expect.stringContaining('did not receive our start-up packet'),
    })
    expect(await hasMigrationsTable(database.directUrl)).toBe(false)
    expect(await advisoryLocks(database.directUrl)).toBe(0)
    // At start-up the refusal is a failed ready().
    const onStart = buildApp(database.url, {
      db: { transactionPooler: true, migrations: { dir: V1, migrateOnStart: true } },
    })
    await expect(onStart.ready()).rejects.toMatchObject({ code: 'FBI_DB_MIGRATIONS_NEED_SESSION' })
    await onStart.close()
  })

  it('migrates over migrations.connectionString, at start-up too, while requests go through the pooler', async (ctx) => {
    const database = await pooledDatabase(ctx)
    const app = buildApp(database.url, {
      db: {
        transactionPooler: true,
        migrations: { dir: V1, migrateOnStart: true, connectionString: database.directUrl },
      },
    })
    ctx.onTestFinished(() => app.close())
    await app.ready()
    expect(await app.db.migrationStatus()).toMatchObject({
      pending: [],
      current: '1700000001000_add-note-body',
    })
    await app.pg.query("INSERT INTO note (title, body) VALUES ('t', 'b')")
    expect(await advisoryLocks(database.directUrl)).toBe(0)
  })

  it('fbi-db refuses DATABASE_URL through the pooler and migrates over DATABASE_MIGRATIONS_URL', async (ctx) => {
    const database = await pooledDatabase(ctx)
    const out: string[] = []
    const err: string[] = []
    const cli = { out: (l: string) => out.push(l), err: (l: string) => err.push(l) }
    const env = { ENVIRONMENT: 'DEVELOPMENT', DATABASE_URL: database.url }
    expect(await main(['migrate', 'up', '--dir', V1], env, cli)).toBe(1)
    expect(err[0]).toMatch(
      /^FBI_DB_MIGRATIONS_NEED_SESSION: Migrations need a direct connection to PostgreSQL/,
    )
    expect(await hasMigrationsTable(database.directUrl)).toBe(false)
    expect(
      await main(
        ['migrate', 'up', '--dir', V1],
        { ...env, DATABASE_MIGRATIONS_URL: database.directUrl },
        cli,
      ),
    ).toBe(0)
    expect(out).toEqual(['applied 1700000000000_create-note', 'applied 1700000001000_add-note-body'])
  })

  it("answers 503 for PgBouncer's own errors (08P01): query_wait_timeout, max_client_conn", async (ctx) => {
    const database = await pooledDatabase(ctx)
    const upstream = new URL(database.directUrl)
    // One server connection a client waits for at most a second, and two clients at most.
    const bouncer = await startPgBouncer(
      ctx,
      { host: upstream.hostname, port: Number(upstream.port) },
      { default_pool_size: 1, query_wait_timeout: 1, max_client_conn: 2 },
    )
    const holder = new pg.Client({ connectionString: bouncer.url(database.directUrl) })
    await holder.connect()
    ctx.onTestFinished(() => holder.end())
    const app = buildApp(bouncer.url(database.directUrl), { db: { transactionPooler: true } })
    ctx.onTestFinished(() => app.close())
    itemsRoute(app)
    await app.ready()

    await holder.query('BEGIN')
    await holder.query('SELECT 1')
    const waited = await app.inject({ url: '/items' })
    expect(waited.statusCode).toBe(503)
    expect(waited.json()).toEqual(DOWN)
    expect(await bouncer.log()).toMatch(/query_wait_timeout/)
    await holder.query('COMMIT')

    // The holder and one connection of the app fill max_client_conn: the app's second is refused.
    const both = await Promise.all([1, 2].map(() => app.inject({ url: '/items' })))
    expect(both.map((r) => r.statusCode).sort()).toEqual([200, 503])
    expect(both.find((r) => r.statusCode === 503)?.json()).toEqual(DOWN)
    expect(await bouncer.log()).toMatch(/no more connections allowed \(max_client_conn\)/)
  })

  it('answers 503 within connectTimeoutMs when the pooler cannot reach the server', async (ctx) => {
    const database = await pooledDatabase(ctx)
    const upstream = new URL(database.directUrl)
    const closed = await startTcpProxy(upstream.hostname, Number(upstream.port))
    await closed.cut()
    // PgBouncer finishes a client's login only with a server connection: the login itself waits.
    const bouncer = await startPgBouncer(ctx, { host: '127.0.0.1', port: closed.port })
    const app = buildApp(bouncer.url(database.directUrl), {
      before: withMonitoring,
      db: { transactionPooler: true, connectTimeoutMs: 1000, healthCheckTimeoutMs: 3000 },
    })
    ctx.onTestFinished(() => app.close())
    itemsRoute(app)
    await app.ready()
    const started = performance.now()
    const res = await app.inject({ url: '/items' })
    expect(res.statusCode).toBe(503)
    expect(res.json()).toEqual(DOWN)
    expect(performance.now() - started).toBeLessThan(1000 + 1500)
    expect((await health(app)).byName.database).toMatchObject({
      passed: false,
      output: 'Database not available. Reason: connect timeout',
    })
  })

  it('bounds requests when the database behind the pooler freezes, and recovers by itself', async (ctx) => {
    const database = await pooledDatabase(ctx)
    const upstream = new URL(database.directUrl)
    const proxy = await startTcpProxy(upstream.hostname, Number(upstream.port))
    ctx.onTestFinished(() => proxy.close())
    const bouncer = await startPgBouncer(ctx, { host: '127.0.0.1', port: proxy.port })
    const app = buildApp(bouncer.url(database.directUrl), {
      db: { transactionPooler: true, statementTimeoutMs: 1000, connectTimeoutMs: 1000 },
    })
    ctx.onTestFinished(() => app.close())
    itemsRoute(app)
    await app.ready()
    expect((await app.inject({ url: '/items' })).statusCode).toBe(200)
    proxy.freeze()
    const bound = 1000 + 1000 + DB_DEFAULTS.queryTimeoutMarginMs
    const frozen = await Promise.all(
      Array.from({ length: 50 }, async () => {
        const started = performance.now()
        const res = await app.inject({ url: '/items' })
        return { status: res.statusCode, body: res.json() as unknown, ms: performance.now() - started }
      }),
    )
    expect(frozen.map((r) => r.status)).toEqual(Array(50).fill(503))
    for (const r of frozen) expect(r.body).toEqual(DOWN)
    const slowest = Math.max(...frozen.map((r) => r.ms))
    expect(slowest).toBeLessThan(bound + 1500)
    await proxy.restore()
    // PgBouncer gets its server connections back by itself (with its default retry intervals).
    await vi.waitFor(async () => expect((await app.inject({ url: '/items' })).statusCode).toBe(200), {
      timeout: 60_000,
      interval: 250,
    })
    console.info(`[behind PgBouncer] frozen: 50 × 503, slowest ${Math.round(slowest)} ms (bound ${bound} ms)`)
  })
})
