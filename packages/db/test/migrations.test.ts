import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { FastifyInstance } from 'fastify'
import { PG_MIGRATE_LOCK_ID } from 'node-pg-migrate'
import pg from 'pg'
import { describe, expect, it, type TestContext } from 'vitest'
import { main } from '../src/cli.js'
import { buildApp, createTestDatabase, logCollector, REAL_URL } from './helpers.js'

const V1 = join(import.meta.dirname, 'fixtures/migrations/v1')
const V2 = join(import.meta.dirname, 'fixtures/migrations/v2')
const BROKEN = join(import.meta.dirname, 'fixtures/migrations/broken')

async function freshApp(ctx: TestContext, dir = V1, extra: { migrateOnStart?: boolean } = {}) {
  const database = await createTestDatabase('migrations')
  ctx.onTestFinished(() => database.drop())
  const app = buildApp(database.url, { db: { migrations: { dir, ...extra } } })
  ctx.onTestFinished(() => app.close())
  await app.ready()
  return { app, url: database.url }
}

async function appliedNames(app: FastifyInstance): Promise<string[]> {
  const { rows } = await app.pg.query<{ name: string }>('SELECT name FROM public.pgmigrations ORDER BY id')
  return rows.map((r) => r.name)
}

describe('migrations (node-pg-migrate)', () => {
  it('applies pending migrations up, is idempotent, and reverts them down one at a time', async (ctx) => {
    const { app } = await freshApp(ctx)
    const up = await app.db.migrate()
    expect(up.map((m) => m.name)).toEqual(['1700000000000_create-note', '1700000001000_add-note-body'])
    expect(await appliedNames(app)).toEqual(['1700000000000_create-note', '1700000001000_add-note-body'])
    await app.pg.query('INSERT INTO note (title, body) VALUES ($1, $2)', ['t', 'b'])

    expect(await app.db.migrate()).toEqual([])

    const down = await app.db.migrate({ direction: 'down' })
    expect(down.map((m) => m.name)).toEqual(['1700000001000_add-note-body'])
    const cols = await app.pg.query<{ column_name: string }>(
      "SELECT column_name FROM information_schema.columns WHERE table_name = 'note' ORDER BY column_name",
    )
    expect(cols.rows.map((r) => r.column_name)).toEqual(['id', 'title'])
    await app.db.migrate({ direction: 'down' })
    expect(await appliedNames(app)).toEqual([])
    const table = await app.pg.query<{ t: string | null }>("SELECT to_regclass('note')::text AS t")
    expect(table.rows[0]?.t).toBeNull()
  })

  it('reports status: applied, pending, current and newest', async (ctx) => {
    const { app } = await freshApp(ctx, V2)
    expect(await app.db.migrationStatus()).toEqual({
      applied: [],
      pending: ['1700000000000_create-note', '1700000001000_add-note-body', '1700000002000_create-tag'],
      current: null,
      newest: '1700000002000_create-tag',
      fbiHistory: false,
      alembicVersion: null,
      baselineRequired: false,
    })
    await app.db.migrate({ count: 1 })
    const status = await app.db.migrationStatus()
    expect(status.current).toBe('1700000000000_create-note')
    expect(status.pending).toHaveLength(2)
  })

  it('runs at start-up with migrateOnStart', async (ctx) => {
    const { app } = await freshApp(ctx, V1, { migrateOnStart: true })
    expect(await appliedNames(app)).toHaveLength(2)
  })

  it('fails with FBI_DB_MIGRATION_FAILED, keeping the SQLSTATE in the cause and earlier migrations applied', async (ctx) => {
    const { app } = await freshApp(ctx, BROKEN)
    const err = await app.db.migrate().catch((e: unknown) => e)
    expect(err).toMatchObject({ code: 'FBI_DB_MIGRATION_FAILED', statusCode: 500 })
    expect((err as Error).cause).toMatchObject({ code: '42P01' })
    expect(await appliedNames(app)).toEqual(['1700000000000_create-note'])
    // The failed migration ran in its own transaction: nothing of it is left.
    const table = await app.pg.query<{ t: string | null }>("SELECT to_regclass('broken')::text AS t")
    expect(table.rows[0]?.t).toBeNull()
  })

  it('refuses migrate() without a migrations directory', async (ctx) => {
    const database = await createTestDatabase('migrations')
    ctx.onTestFinished(() => database.drop())
    const app = buildApp(database.url)
    ctx.onTestFinished(() => app.close())
    await app.ready()
    await expect(app.db.migrate()).rejects.toMatchObject({ code: 'FBI_DB_MIGRATIONS_NOT_CONFIGURED' })
  })

  it('applies each migration once when migrate() is called concurrently', async (ctx) => {
    const { app, url } = await freshApp(ctx)
    // Two instances on the real server (two sessions, node-pg-migrate's advisory lock between them);
    // the embedded database has one session, so there it is two calls through its one-client pool.
    const other = url === undefined ? app : buildApp(url, { db: { migrations: { dir: V1 } } })
    if (other !== app) {
      ctx.onTestFinished(() => other.close())
      await other.ready()
    }
    const [a, b] = await Promise.all([app.db.migrate(), other.db.migrate()])
    const all = [...a, ...b].map((m) => m.name).sort()
    expect(all).toEqual(['1700000000000_create-note', '1700000001000_add-note-body'])
    expect(await appliedNames(app)).toHaveLength(2)
  })

  if (REAL_URL !== undefined) {
    it('waits for the lock another session holds, and gives up with FBI_DB_MIGRATION_LOCKED', async (ctx) => {
      const database = await createTestDatabase('migrations')
      ctx.onTestFinished(() => database.drop())
      const app = buildApp(database.url, { db: { migrations: { dir: V1, lockTimeoutMs: 300 } } })
      ctx.onTestFinished(() => app.close())
      await app.ready()
      const holder = new pg.Client({ connectionString: database.url })
      await holder.connect()
      ctx.onTestFinished(() => holder.end())
      await holder.query('SELECT pg_advisory_lock($1)', [PG_MIGRATE_LOCK_ID])

      await expect(app.db.migrate()).rejects.toMatchObject({
        code: 'FBI_DB_MIGRATION_LOCKED',
        statusCode: 503,
      })
      expect(await appliedNames(app).catch(() => [])).toEqual([])

      await holder.query('SELECT pg_advisory_unlock($1)', [PG_MIGRATE_LOCK_ID])
      expect(await app.db.migrate()).toHaveLength(2)
    })

    it('says it waits once, and stops waiting with FBI_DB_MIGRATION_ABORTED when the service shuts down', async (ctx) => {
      const database = await createTestDatabase('migrations')
      ctx.onTestFinished(() => database.drop())
      const { lines, logger } = logCollector()
      const app = buildApp(database.url, { logger, db: { migrations: { dir: V1, lockTimeoutMs: 30_000 } } })
      ctx.onTestFinished(() => app.close())
      await app.ready()
      const holder = new pg.Client({ connectionString: database.url })
      await holder.connect()
      ctx.onTestFinished(() => holder.end())
      await holder.query('SELECT pg_advisory_lock($1)', [PG_MIGRATE_LOCK_ID])

      const shutdown = new AbortController()
      const started = Date.now()
      const migrating = app.db.migrate({ signal: shutdown.signal })
      await new Promise((resolve) => setTimeout(resolve, 1500))
      shutdown.abort()
      await expect(migrating).rejects.toMatchObject({ code: 'FBI_DB_MIGRATION_ABORTED', statusCode: 503 })
      // Well before lockTimeoutMs: the wait ended on the signal.
      expect(Date.now() - started).toBeLessThan(10_000)
      const waits = lines.filter((line) => line.msg === 'another instance holds the migration lock; waiting')
      expect(waits).toHaveLength(1)
      expect(waits[0]?.level).toBe(30)
      expect(await appliedNames(app).catch(() => [])).toEqual([])
    })
  }
})

describe('fbi-db command line', () => {
  function io() {
    const out: string[] = []
    const err: string[] = []
    return { out, err, io: { out: (l: string) => out.push(l), err: (l: string) => err.push(l) } }
  }

  it('creates a migration file', async (ctx) => {
    const dir = await mkdtemp(join(tmpdir(), 'fbi-db-cli-'))
    ctx.onTestFinished(() => rm(dir, { recursive: true, force: true }))
    const { out, io: cli } = io()
    expect(await main(['migrate', 'create', 'add-patient', '--dir', dir, '--sql'], {}, cli)).toBe(0)
    const files = await readdir(dir)
    expect(files).toHaveLength(1)
    expect(files[0]).toMatch(/^\d{13,17}_add-patient\.sql$/)
    expect(out[0]).toBe(`created ${join(dir, files[0] ?? '')}`)
    expect(await readFile(join(dir, files[0] ?? ''), 'utf8')).toMatch(/-- Up Migration/)
  })

  it('migrates up, reports status and migrates down against the configured database', async (ctx) => {
    const database = await createTestDatabase('cli')
    ctx.onTestFinished(() => database.drop())
    let args: string[] = []
    let env: Record<string, string> = { ENVIRONMENT: 'DEVELOPMENT' }
    if (database.url === undefined) {
      const dataDir = await mkdtemp(join(tmpdir(), 'fbi-db-cli-data-'))
      ctx.onTestFinished(() => rm(dataDir, { recursive: true, force: true }))
      args = ['--embedded-data-dir', dataDir]
    } else {
      env = { ...env, DATABASE_URL: database.url }
    }
    const up = io()
    expect(await main(['migrate', 'up', '--dir', V2, ...args], env, up.io)).toBe(0)
    expect(up.out).toEqual([
      'applied 1700000000000_create-note',
      'applied 1700000001000_add-note-body',
      'applied 1700000002000_create-tag',
    ])
    const down = io()
    expect(await main(['migrate', 'down', '--count', '2', '--dir', V2, ...args], env, down.io)).toBe(0)
    expect(down.out).toEqual(['reverted 1700000002000_create-tag', 'reverted 1700000001000_add-note-body'])
    const status = io()
    expect(await main(['migrate', 'status', '--dir', V2, ...args], env, status.io)).toBe(1)
    expect(status.out).toEqual([
      'applied  1700000000000_create-note',
      'pending  1700000001000_add-note-body',
      'pending  1700000002000_create-tag',
    ])
  })

  it('explains wrong usage with exit code 2', async () => {
    const bad = io()
    expect(await main(['migrate', 'sideways'], {}, bad.io)).toBe(2)
    expect(bad.err[0]).toMatch(/^FBI_DB_CLI_USAGE: Usage: fbi-db migrate/)
    const unknown = io()
    expect(await main(['migrate', 'up', '--bogus'], {}, unknown.io)).toBe(2)
  })

  it('refuses to run without a configured database', async () => {
    const none = io()
    expect(await main(['migrate', 'up', '--dir', V1], { ENVIRONMENT: 'DEVELOPMENT' }, none.io)).toBe(1)
    expect(none.err[0]).toMatch(/^FBI_DB_NOT_CONFIGURED: /)
    const prod = io()
    expect(await main(['migrate', 'up', '--dir', V1], {}, prod.io)).toBe(1)
    expect(prod.err[0]).toMatch(/^FBI_CONFIG_INVALID: .*DATABASE_URL/s)
  })
})
