import { readFileSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import fbiMonitoring from '@fbi/monitoring'
import type { FastifyInstance } from 'fastify'
import pg from 'pg'
import { describe, expect, it, type TestContext } from 'vitest'
import { main } from '../src/cli.js'
import { type FbiDbOptions, startEmbedded } from '../src/index.js'
import { BACKENDS, type Backend, buildApp, createTestDatabase, runSql, type TestDatabase } from './helpers.js'

/*
 * Taking over a database that a Flask Batteries Included service migrated with Alembic: its tables
 * and rows (a pg_dump of a real run of the original, fixtures/flask) and its alembic_version. The
 * service's fbi migrations start with the original's table (for fresh databases) and add a column.
 */
const ORIGINAL_SQL = readFileSync(new URL('fixtures/flask/original-writes.sql', import.meta.url), 'utf8')
const TAKEOVER = join(import.meta.dirname, 'fixtures/migrations/takeover')
const ALEMBIC = '3f1a9c2b7d10'
const FIRST = '1700000000000_patient'
const SECOND = '1700000001000_add-patient-nhs-number'

function io() {
  const out: string[] = []
  const err: string[] = []
  return { out, err, io: { out: (l: string) => out.push(l), err: (l: string) => err.push(l) } }
}

interface Result {
  checker: string
  output: unknown
  passed: boolean
}

async function health(app: FastifyInstance) {
  const res = await app.inject({ url: '/healthcheck' })
  const body = res.json() as { results: Result[] }
  return { status: res.statusCode, byName: Object.fromEntries(body.results.map((r) => [r.checker, r])) }
}

const monitoring = (app: FastifyInstance) => {
  app.register(fbiMonitoring, {
    healthCheckSuccessTtlMs: 0,
    healthCheckFailureTtlMs: 0,
    gracefulShutdown: false,
    processMetrics: false,
    requestLog: false,
  })
}

/** A database holding what the original left, and an app on it (with @fbi/monitoring). */
async function takenOver(
  ctx: TestContext,
  backend: Backend,
  db: (database: TestDatabase) => FbiDbOptions,
  compat?: 'flask',
): Promise<{ app: FastifyInstance; database: TestDatabase }> {
  const database = await createTestDatabase('takeover', backend)
  ctx.onTestFinished(() => database.drop())
  if (database.directUrl !== undefined) await runSql(database.directUrl, ORIGINAL_SQL)
  const app = buildApp(database.url, {
    before: monitoring,
    ...(compat === undefined ? {} : { compat }),
    db: { ...database.options, healthCheckTimeoutMs: 2000, ...db(database) },
  })
  ctx.onTestFinished(() => app.close())
  if (database.directUrl === undefined) {
    // The embedded database exists once the app has started it: load the original's database then,
    // which rules out migrateOnStart there (the tests that need it run on a real server only).
    await app.ready()
    await app.pg.query(ORIGINAL_SQL)
  } else {
    await app.ready()
  }
  return { app, database }
}

async function patientColumns(app: FastifyInstance): Promise<string[]> {
  const { rows } = await app.pg.query<{ column_name: string }>(
    "SELECT column_name FROM information_schema.columns WHERE table_name = 'patient' ORDER BY ordinal_position",
  )
  return rows.map((r) => r.column_name)
}

describe.each(BACKENDS)('taking over a database Alembic migrated (%s)', (backend) => {
  it('refuses to migrate it before a baseline, leaving it untouched', async (ctx) => {
    const { app } = await takenOver(ctx, backend, (d) => ({ migrations: d.migrations(TAKEOVER) }))
    await expect(app.db.migrate()).rejects.toMatchObject({
      code: 'FBI_DB_BASELINE_REQUIRED',
      message: expect.stringContaining(`version ${ALEMBIC}`),
    })
    const { rows } = await app.pg.query<{ t: string | null }>("SELECT to_regclass('pgmigrations')::text AS t")
    expect(rows[0]?.t).toBeNull()
    expect(await app.db.migrationStatus()).toMatchObject({
      fbiHistory: false,
      alembicVersion: ALEMBIC,
      baselineRequired: true,
      pending: [FIRST, SECOND],
    })
  })

  it('records the baseline, then runs the first fbi migration on top of the existing schema', async (ctx) => {
    const { app } = await takenOver(ctx, backend, (d) => ({ migrations: d.migrations(TAKEOVER) }))
    expect(await app.db.baseline({ to: FIRST })).toEqual({
      alembicVersion: ALEMBIC,
      marked: [FIRST],
      recorded: true,
    })
    // A second baseline records nothing: the database now has fbi history.
    expect(await app.db.baseline({ to: FIRST })).toMatchObject({ recorded: false, marked: [] })
    expect((await app.db.migrate()).map((m) => m.name)).toEqual([SECOND])
    expect(await patientColumns(app)).toContain('nhs_number')
    const { rows } = await app.pg.query('SELECT name FROM patient ORDER BY name')
    expect(rows).toEqual([{ name: 'Ann' }, { name: 'Bobby' }])
    // Alembic's table is left as it was: a Flask service can still read its version.
    const alembic = await app.pg.query('SELECT version_num FROM alembic_version')
    expect(alembic.rows).toEqual([{ version_num: ALEMBIC }])
  })

  it('understands alembic_version in the "migrations" health check before and after the takeover', async (ctx) => {
    const { app } = await takenOver(ctx, backend, (d) => ({ migrations: d.migrations(TAKEOVER) }))
    const before = await health(app)
    expect(before.status).toBe(500)
    expect(before.byName.migrations).toMatchObject({
      passed: false,
      output: `Database is managed by Alembic (version ${ALEMBIC}) and has no fbi migrations yet: run \`fbi-db migrate baseline\` or set migrations.baseline`,
    })
    await app.db.baseline({ to: FIRST })
    // Baselined, the second migration still to run: behind.
    expect((await health(app)).byName.migrations).toMatchObject({ passed: false })
    await app.db.migrate()
    const after = await health(app)
    expect(after.status).toBe(200)
    expect(after.byName.migrations).toMatchObject({ passed: true, output: `Database version: ${SECOND}` })
  })

  it('passes the health check of a database with Alembic history and nothing to migrate', async (ctx) => {
    const empty = await mkdtemp(join(tmpdir(), 'fbi-db-no-migrations-'))
    ctx.onTestFinished(() => rm(empty, { recursive: true, force: true }))
    const { app } = await takenOver(ctx, backend, (d) => ({ migrations: d.migrations(empty) }))
    const { status, byName } = await health(app)
    expect(status).toBe(200)
    expect(byName.migrations).toMatchObject({ passed: true, output: `Database version: ${ALEMBIC}` })
  })

  it("answers as the original's database_connectivity_test and database_version_test in compat mode", async (ctx) => {
    const { app } = await takenOver(ctx, backend, () => ({}), 'flask')
    const { status, byName } = await health(app)
    expect(status).toBe(200)
    expect(Object.keys(byName)).toEqual(['database_connectivity_test', 'database_version_test'])
    expect(byName.database_connectivity_test).toMatchObject({ passed: true, output: 'Database ok' })
    expect(byName.database_version_test).toMatchObject({
      passed: true,
      output: `Database version: ${ALEMBIC}`,
    })
  })
})

/** An embedded PGlite data directory holding the original's database (when there is no real server). */
async function embeddedOriginal(ctx: TestContext): Promise<string> {
  const dataDir = await mkdtemp(join(tmpdir(), 'fbi-db-takeover-'))
  ctx.onTestFinished(() => rm(dataDir, { recursive: true, force: true }))
  const embedded = await startEmbedded({ dataDir })
  const client = new pg.Client({ connectionString: embedded.connectionString })
  await client.connect()
  await client.query(ORIGINAL_SQL)
  await client.end()
  await embedded.close()
  return dataDir
}

describe('taking over with migrateOnStart and the command line', () => {
  it('baselines and migrates at start-up with migrations.baseline', async (ctx) => {
    const database = await createTestDatabase('takeover')
    ctx.onTestFinished(() => database.drop())
    const migrations = database.migrations(TAKEOVER, { migrateOnStart: true, baseline: { to: FIRST } })
    let db: FbiDbOptions = { migrations }
    if (database.directUrl === undefined) db = { ...db, embedded: { dataDir: await embeddedOriginal(ctx) } }
    else await runSql(database.directUrl, ORIGINAL_SQL)
    const app = buildApp(database.url, { db })
    ctx.onTestFinished(() => app.close())
    await app.ready()
    expect(await app.db.migrationStatus()).toMatchObject({
      applied: [FIRST, SECOND],
      pending: [],
      alembicVersion: ALEMBIC,
      baselineRequired: false,
    })
    expect(await patientColumns(app)).toContain('nhs_number')
  })

  it('fbi-db migrate baseline, then up, with status along the way', async (ctx) => {
    const database = await createTestDatabase('takeover_cli')
    ctx.onTestFinished(() => database.drop())
    let args: string[] = []
    let env: Record<string, string> = { ENVIRONMENT: 'DEVELOPMENT' }
    if (database.directUrl === undefined) {
      args = ['--embedded-data-dir', await embeddedOriginal(ctx)]
    } else {
      await runSql(database.directUrl, ORIGINAL_SQL)
      env = { ...env, DATABASE_URL: database.directUrl }
    }
    const run = async (...argv: string[]) => {
      const cli = io()
      const code = await main(['migrate', ...argv, '--dir', TAKEOVER, ...args], env, cli.io)
      return { code, out: cli.out, err: cli.err }
    }

    const refused = await run('up')
    expect(refused.code).toBe(1)
    expect(refused.err[0]).toMatch(
      /^FBI_DB_BASELINE_REQUIRED: Database is managed by Alembic \(version 3f1a9c2b7d10\)/,
    )
    expect(await run('status')).toEqual({
      code: 1,
      out: [
        `alembic  ${ALEMBIC}`,
        `pending  ${FIRST}`,
        `pending  ${SECOND}`,
        'baseline required: fbi-db migrate baseline',
      ],
      err: [],
    })
    expect(await run('baseline', '--to', FIRST)).toEqual({
      code: 0,
      out: [`baseline recorded on Alembic version ${ALEMBIC}`, `marked   ${FIRST}`],
      err: [],
    })
    expect((await run('baseline')).out).toEqual(['fbi history already present: nothing recorded'])
    expect(await run('up')).toEqual({ code: 0, out: [`applied ${SECOND}`], err: [] })
    expect((await run('status')).out).toEqual([
      `alembic  ${ALEMBIC}`,
      `applied  ${FIRST}`,
      `applied  ${SECOND}`,
    ])
    const badTo = await run('baseline', '--to', 'no-such-migration')
    expect(badTo).toMatchObject({
      code: 1,
      err: [
        "FBI_DB_INVALID_OPTION: Invalid option 'baseline.to': no shipped migration is named 'no-such-migration'",
      ],
    })
    expect((await run('up', '--to', FIRST)).code).toBe(2)
  })
})
