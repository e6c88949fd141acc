import { readFileSync } from 'node:fs'
import type { FastifyInstance } from 'fastify'
import { MigrationBuilder } from 'node-pg-migrate'
import { describe, expect, it, type TestContext } from 'vitest'
import { type FbiDbOptions, identifierColumns, packIdentifier } from '../src/index.js'
import { BACKENDS, type Backend, buildApp, createTestDatabase, runSql, type TestDatabase } from './helpers.js'

/*
 * A table laid out by the original's ModelIdentifier, with rows the original wrote: the fixture is a
 * pg_dump of a database made by a real run of flask-batteries-included (fixtures/flask/original-writes.py,
 * which says how to regenerate it), and the JSON its pack_identifier() gave for each row.
 */
const ORIGINAL_SQL = readFileSync(new URL('fixtures/flask/original-writes.sql', import.meta.url), 'utf8')
const ORIGINAL_JSON: Record<string, string>[] = JSON.parse(
  readFileSync(new URL('fixtures/flask/original-writes.json', import.meta.url), 'utf8'),
)
const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/
// +12:45 / +13:45: no whole-hour mistake can hide behind it.
const SERVER_TIME_ZONE = 'Pacific/Chatham'

/** A patient row of the original's table, as the write helpers return it. */
interface Patient {
  name: string
  created_by_: string
  modified_by_: string
}

/** The Node process in New York for the rest of the test (pg's default parser reads timestamps in it). */
function processInNewYork(ctx: TestContext): void {
  const before = process.env.TZ
  process.env.TZ = 'America/New_York'
  ctx.onTestFinished(() => {
    if (before === undefined) delete process.env.TZ
    else process.env.TZ = before
  })
  expect(new Date('2024-01-15T12:00:00Z').getTimezoneOffset()).toBe(300)
}

async function sql(app: FastifyInstance, database: TestDatabase, text: string): Promise<void> {
  if (database.directUrl === undefined) await app.pg.query(text)
  else await runSql(database.directUrl, text)
}

/** An app on a database holding the original's tables and rows, whose sessions run in a non-UTC TimeZone. */
async function originalDatabase(
  ctx: TestContext,
  backend: Backend,
  opts: { compat?: 'flask'; db?: FbiDbOptions } = {},
): Promise<{ app: FastifyInstance; database: TestDatabase }> {
  const database = await createTestDatabase('flask_layout', backend)
  ctx.onTestFinished(() => database.drop())
  const app = buildApp(database.url, {
    ...(opts.compat === undefined ? {} : { compat: opts.compat }),
    db: { ...database.options, ...opts.db },
  })
  ctx.onTestFinished(() => app.close())
  await app.ready()
  await sql(app, database, ORIGINAL_SQL)
  // The database's default for new sessions (the pool has not connected yet); the embedded PGlite
  // is one session, which SET changes for good.
  await sql(
    app,
    database,
    database.directUrl === undefined
      ? `SET TIME ZONE '${SERVER_TIME_ZONE}'`
      : `DO $$ BEGIN EXECUTE format('ALTER DATABASE %I SET timezone TO %L', current_database(), '${SERVER_TIME_ZONE}'); END $$`,
  )
  const { rows } = await app.pg.query<{ TimeZone: string }>('SHOW TimeZone')
  expect(rows[0]?.TimeZone).toBe(SERVER_TIME_ZONE)
  return { app, database }
}

/** created/modified as stored: the wall time PostgreSQL keeps in a timestamp without time zone. */
async function stored(app: FastifyInstance, uuid: string) {
  const { rows } = await app.pg.query<{ created: string; modified: string }>(
    `SELECT to_char(created, 'YYYY-MM-DD"T"HH24:MI:SS.MS') AS created,
            to_char(modified, 'YYYY-MM-DD"T"HH24:MI:SS.MS') AS modified
     FROM patient WHERE uuid = $1`,
    [uuid],
  )
  return rows[0]
}

describe.each(BACKENDS)("a database laid out by the original's ModelIdentifier (%s)", (backend) => {
  it("reads the rows the original wrote and packs them into the original's JSON, in any time zone", async (ctx) => {
    const { app } = await originalDatabase(ctx, backend, { compat: 'flask' })
    processInNewYork(ctx)
    const { rows } = await app.pg.query('SELECT * FROM patient ORDER BY name')
    expect(rows.map((row) => ({ ...app.db.packIdentifier(row, 'patient'), name: row.name }))).toEqual(
      ORIGINAL_JSON,
    )
    // The standalone function reads the original's column names by itself.
    expect(rows.map((row) => ({ ...packIdentifier(row), name: row.name }))).toEqual(ORIGINAL_JSON)
  })

  it('inserts and updates with the application filling uuid, created_by_ and UTC times, as the original did', async (ctx) => {
    const { app } = await originalDatabase(ctx, backend, { compat: 'flask' })
    processInNewYork(ctx)
    const before = Date.now()
    const row = await app.db.insertWithIdentifier<Patient>('clinician-fbi-1', 'patient', {
      name: 'Cat',
    })
    expect(row.uuid).toMatch(UUID_V4)
    expect(row).toMatchObject({
      name: 'Cat',
      created_by_: 'clinician-fbi-1',
      modified_by_: 'clinician-fbi-1',
      // The original's model reads created_by_ as created_by: so does the returned row.
      created_by: 'clinician-fbi-1',
      modified_by: 'clinician-fbi-1',
    })
    expect(row.created.getTime()).toBeGreaterThanOrEqual(before)
    expect(row.created.getTime()).toBeLessThanOrEqual(Date.now())
    expect(row.modified).toEqual(row.created)
    // Stored as the UTC wall time, neither the server's Chatham time nor the process's New York time.
    expect(await stored(app, row.uuid)).toEqual({
      created: row.created.toISOString().slice(0, 23),
      modified: row.created.toISOString().slice(0, 23),
    })

    const updated = await app.db.updateWithIdentifier<Patient>('patient-fbi-2', 'patient', row.uuid, {
      name: 'Cath',
    })
    expect(updated).toMatchObject({ uuid: row.uuid, name: 'Cath', created_by_: 'clinician-fbi-1' })
    expect(updated.modified_by_).toBe('patient-fbi-2')
    expect(updated.created).toEqual(row.created)
    expect(updated.modified.getTime()).toBeGreaterThanOrEqual(row.created.getTime())
    expect((await stored(app, row.uuid))?.modified).toBe(updated.modified.toISOString().slice(0, 23))

    // A row the original wrote keeps its author when fbi updates it.
    const ann = ORIGINAL_JSON[0] as { uuid: string; created: string }
    const annUpdated = await app.db.updateWithIdentifier('patient-fbi-2', 'patient', ann.uuid, {
      name: 'Anne',
    })
    expect(app.db.packIdentifier(annUpdated, 'patient')).toMatchObject({
      uuid: ann.uuid,
      created: ann.created,
      created_by: 'clinician-flask-1',
      modified_by: 'patient-fbi-2',
    })
  })

  it('works without compat by explicit option, per table, beside a table of fbi', async (ctx) => {
    const { app } = await originalDatabase(ctx, backend, { db: { tableLayouts: { patient: 'flask' } } })
    const pgm = new MigrationBuilder({} as never, {}, false, console)
    pgm.createTable('note', { ...identifierColumns(), body: { type: 'text', notNull: true } })
    await app.pg.query(pgm.getSql())
    expect(app.db.identifierLayout('patient').columns.createdBy).toBe('created_by_')
    expect(app.db.identifierLayout('note').columns.createdBy).toBe('created_by')

    const patient = await app.db.insertWithIdentifier('u-1', 'patient', { name: 'Dee' })
    const note = await app.db.insertWithIdentifier('u-1', 'note', { body: 'seen' })
    for (const row of [patient, note]) {
      expect(Object.keys(packIdentifier(row))).toEqual([
        'uuid',
        'created',
        'created_by',
        'modified',
        'modified_by',
      ])
      expect(packIdentifier(row).created_by).toBe('u-1')
    }
    // The whole app on the original's layout, without compat.
    const whole = buildApp(undefined, {
      db: { identifierLayout: 'flask', embedded: false, connectionString: 'postgres://x@127.0.0.1:1/x' },
    })
    ctx.onTestFinished(() => whole.close())
    await whole.ready()
    expect(whole.db.identifierLayout('anything').columns.modifiedBy).toBe('modified_by_')
  })

  it('gives the same JSON for the same instants in both layouts', async (ctx) => {
    const { app } = await originalDatabase(ctx, backend, { compat: 'flask' })
    processInNewYork(ctx)
    const pgm = new MigrationBuilder({} as never, {}, false, console)
    pgm.createTable('note', identifierColumns('fbi'))
    await app.pg.query(pgm.getSql())
    const uuid = '6f1c1c7e-4a57-4f0e-9a7e-5a0d8e6f9b11'
    await app.pg.query(
      `INSERT INTO patient VALUES ($1, '2024-03-01 12:00:00.987654', 'c', '2024-03-01 12:00:01.5', 'm', 'x')`,
      [uuid],
    )
    await app.pg.query(
      `INSERT INTO note VALUES ($1, '2024-03-01 12:00:00.987654+00', 'c', '2024-03-01 12:00:01.5+00', 'm')`,
      [uuid],
    )
    const flask = (await app.pg.query('SELECT * FROM patient WHERE uuid = $1', [uuid])).rows[0]
    const fbi = (await app.pg.query('SELECT * FROM note WHERE uuid = $1', [uuid])).rows[0]
    const expected = {
      uuid,
      created: '2024-03-01T12:00:00.987Z',
      created_by: 'c',
      modified: '2024-03-01T12:00:01.500Z',
      modified_by: 'm',
    }
    expect(packIdentifier(flask)).toEqual(expected)
    expect(packIdentifier(fbi)).toEqual(expected)
    expect(app.db.packIdentifier(flask, 'patient')).toEqual(expected)
  })

  it("makes exactly the original's columns with identifierColumns('flask')", async (ctx) => {
    const { app } = await originalDatabase(ctx, backend, { compat: 'flask' })
    const pgm = new MigrationBuilder({} as never, {}, false, console)
    pgm.createTable('patient_copy', {
      ...identifierColumns('flask'),
      name: { type: 'varchar', notNull: true },
    })
    await app.pg.query(pgm.getSql())
    const columns = async (table: string) =>
      (
        await app.pg.query(
          `SELECT column_name, data_type, character_maximum_length, is_nullable, column_default
           FROM information_schema.columns WHERE table_name = $1 ORDER BY ordinal_position`,
          [table],
        )
      ).rows
    expect(await columns('patient_copy')).toEqual(await columns('patient'))
    const primaryKey = async (table: string) =>
      (
        await app.pg.query(
          `SELECT k.column_name FROM information_schema.table_constraints c
           JOIN information_schema.key_column_usage k ON k.constraint_name = c.constraint_name
           WHERE c.table_name = $1 AND c.constraint_type = 'PRIMARY KEY'`,
          [table],
        )
      ).rows
    expect(await primaryKey('patient_copy')).toEqual(await primaryKey('patient'))
  })
})
