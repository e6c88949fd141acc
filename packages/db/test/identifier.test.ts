import type { FastifyInstance } from 'fastify'
import { MigrationBuilder } from 'node-pg-migrate'
import { describe, expect, it, type TestContext } from 'vitest'
import {
  addIdentifierColumns,
  buildInsert,
  buildUpdate,
  identifierColumns,
  packIdentifier,
} from '../src/index.js'
import { BACKENDS, type Backend, buildApp, createTestDatabase } from './helpers.js'

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/

/** Run a migration body the way node-pg-migrate does: build the SQL with a MigrationBuilder, then execute it. */
async function migrateWith(app: FastifyInstance, body: (pgm: MigrationBuilder) => void): Promise<string> {
  const db = {
    query: (q: string) => app.pg.query(q),
    select: async (q: string) => (await app.pg.query(q)).rows,
  }
  const pgm = new MigrationBuilder(db as never, {}, false, console)
  body(pgm)
  const sql = pgm.getSql()
  await app.pg.query(sql)
  return sql
}

async function appWithPatientTable(ctx: TestContext, backend: Backend = 'direct'): Promise<FastifyInstance> {
  const database = await createTestDatabase('identifier', backend)
  ctx.onTestFinished(() => database.drop())
  const app = buildApp(database.url, { db: database.options })
  ctx.onTestFinished(() => app.close())
  await app.ready()
  await migrateWith(app, (pgm) => {
    pgm.createTable('patient', {
      ...identifierColumns(),
      name: { type: 'text', notNull: true },
      note: 'text',
    })
  })
  return app
}

describe.each(BACKENDS)('identifier columns (%s)', (backend) => {
  it('creates uuid (generated primary key), created, created_by, modified, modified_by', async (ctx) => {
    const app = await appWithPatientTable(ctx, backend)
    const { rows } = await app.pg.query<{ column_name: string; data_type: string; is_nullable: string }>(
      `SELECT column_name, data_type, is_nullable FROM information_schema.columns
       WHERE table_name = 'patient' AND column_name <> ALL($1) ORDER BY ordinal_position`,
      [['name', 'note']],
    )
    expect(rows).toEqual([
      { column_name: 'uuid', data_type: 'uuid', is_nullable: 'NO' },
      { column_name: 'created', data_type: 'timestamp with time zone', is_nullable: 'NO' },
      { column_name: 'created_by', data_type: 'text', is_nullable: 'NO' },
      { column_name: 'modified', data_type: 'timestamp with time zone', is_nullable: 'NO' },
      { column_name: 'modified_by', data_type: 'text', is_nullable: 'NO' },
    ])
    const pk = await app.pg.query<{ column_name: string }>(
      `SELECT k.column_name FROM information_schema.table_constraints c
       JOIN information_schema.key_column_usage k ON k.constraint_name = c.constraint_name
       WHERE c.table_name = 'patient' AND c.constraint_type = 'PRIMARY KEY'`,
    )
    expect(pk.rows).toEqual([{ column_name: 'uuid' }])
  })

  it('adds the columns to an existing table', async (ctx) => {
    const app = await appWithPatientTable(ctx, backend)
    const sql = await migrateWith(app, (pgm) => {
      pgm.createTable('device', { serial: { type: 'text' } })
      addIdentifierColumns(pgm, 'device')
    })
    expect(sql).toMatch(/gen_random_uuid\(\)/)
    const row = await app.db.insertWithIdentifier('system-1', 'device', { serial: 'X1' })
    expect(row.uuid).toMatch(UUID)
    expect(row.created_by).toBe('system-1')
  })

  it('inserts with created_by = modified_by = the user and both times from the database clock', async (ctx) => {
    const app = await appWithPatientTable(ctx, backend)
    const { row, now } = await app.db.transaction(async (client) => {
      const now = (await client.query<{ now: Date }>('SELECT now() AS now')).rows[0]?.now
      const row = await app.db.insertWithIdentifier('clinician-1', 'patient', { name: 'Ann' }, { client })
      return { row, now }
    })
    expect(row).toMatchObject({
      name: 'Ann',
      note: null,
      created_by: 'clinician-1',
      modified_by: 'clinician-1',
    })
    expect(row.uuid).toMatch(UUID)
    expect(row.created).toBeInstanceOf(Date)
    // now() is the transaction's timestamp: equal to the row's times only if they came from the database.
    expect(row.created.getTime()).toBe(now?.getTime())
    expect(row.modified.getTime()).toBe(now?.getTime())
  })

  it('updates by uuid, setting modified = now() and modified_by, keeping created and created_by', async (ctx) => {
    const app = await appWithPatientTable(ctx, backend)
    const inserted = await app.db.insertWithIdentifier('clinician-1', 'patient', { name: 'Ann' })
    const { row, now } = await app.db.transaction(async (client) => {
      const now = (await client.query<{ now: Date }>('SELECT now() AS now')).rows[0]?.now
      const row = await app.db.updateWithIdentifier(
        'clinician-2',
        'patient',
        inserted.uuid,
        { note: 'seen' },
        { client },
      )
      return { row, now }
    })
    expect(row).toMatchObject({ uuid: inserted.uuid, name: 'Ann', note: 'seen', created_by: 'clinician-1' })
    expect(row.modified_by).toBe('clinician-2')
    expect(row.created.getTime()).toBe(inserted.created.getTime())
    expect(row.modified.getTime()).toBe(now?.getTime())
  })

  it('answers EntityNotFound (404) for an unknown or malformed uuid', async (ctx) => {
    const app = await appWithPatientTable(ctx, backend)
    await expect(
      app.db.updateWithIdentifier('u', 'patient', '00000000-0000-4000-8000-000000000000', { note: 'x' }),
    ).rejects.toMatchObject({ statusCode: 404, code: 'FBI_ENTITY_NOT_FOUND' })
    await expect(
      app.db.updateWithIdentifier('u', 'patient', "1' OR '1'='1", { note: 'x' }),
    ).rejects.toMatchObject({
      statusCode: 404,
    })
  })

  it('refuses to let callers set the managed columns (400 naming the field)', async (ctx) => {
    const app = await appWithPatientTable(ctx, backend)
    // The uuid too: only the helper's caller chooses it, through the `uuid` option (primary-key squatting).
    await expect(
      app.db.insertWithIdentifier('u', 'patient', {
        name: 'A',
        uuid: '6f1c1c7e-4a57-4f0e-9a7e-5a0d8e6f9b11',
      }),
    ).rejects.toMatchObject({ statusCode: 400, message: "'uuid' is set by the server and cannot be given" })
    for (const column of ['created', 'modified_by', 'created_by_', 'modified_by_']) {
      await expect(
        app.db.insertWithIdentifier('u', 'patient', { name: 'A', [column]: 'x' }),
      ).rejects.toMatchObject({
        statusCode: 400,
        message: `'${column}' is set by the server and cannot be given`,
      })
    }
    await expect(
      app.db.insertWithIdentifier('u', 'patient', { name: 'A', created_by: 'someone-else' }),
    ).rejects.toMatchObject({
      statusCode: 400,
      code: 'FBI_BAD_REQUEST',
      message: "'created_by' is set by the server and cannot be given",
    })
    const row = await app.db.insertWithIdentifier('u', 'patient', { name: 'A' })
    await expect(
      app.db.updateWithIdentifier('u', 'patient', row.uuid, { uuid: row.uuid }),
    ).rejects.toMatchObject({
      statusCode: 400,
    })
    await expect(
      app.db.updateWithIdentifier('u', 'patient', row.uuid, { modified: new Date(0) }),
    ).rejects.toMatchObject({ statusCode: 400 })
  })

  it('takes a uuid chosen by the caller through the uuid option, and refuses a malformed one (400)', async (ctx) => {
    const app = await appWithPatientTable(ctx, backend)
    const uuid = '0b9f2a39-7f6e-4a41-9d1c-3a5e2f1d8c77'
    const row = await app.db.insertWithIdentifier('u', 'patient', { name: 'Chosen' }, { uuid })
    expect(row.uuid).toBe(uuid)
    await expect(
      app.db.insertWithIdentifier('u', 'patient', { name: 'x' }, { uuid: "1' OR '1'='1" }),
    ).rejects.toMatchObject({
      statusCode: 400,
      message: "'uuid' must be a uuid",
    })
  })

  it('refuses to return nothing as the written row when a trigger skips the insert', async (ctx) => {
    const app = await appWithPatientTable(ctx, backend)
    await app.pg.query(`
      CREATE FUNCTION skip_row() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END $$;
      CREATE TRIGGER skip BEFORE INSERT ON patient FOR EACH ROW EXECUTE FUNCTION skip_row();
    `)
    await expect(app.db.insertWithIdentifier('u', 'patient', { name: 'Ghost' })).rejects.toMatchObject({
      code: 'FBI_DB_NO_ROW_RETURNED',
      statusCode: 500,
    })
  })

  it('keeps values as parameters and quotes names: hostile strings are data, not SQL', async (ctx) => {
    const app = await appWithPatientTable(ctx, backend)
    const evil = "x'); DROP TABLE patient; --"
    const row = await app.db.insertWithIdentifier(evil, 'patient', { name: evil })
    expect(row.name).toBe(evil)
    expect(row.created_by).toBe(evil)
    await expect(
      app.db.insertWithIdentifier('u', 'patient', { 'name" text); DROP TABLE patient; --': 'v' }),
    ).rejects.toMatchObject({
      code: '42703',
    })
    await expect(
      app.db.insertWithIdentifier('u', 'patient"; DROP TABLE patient; --', { name: 'v' }),
    ).rejects.toMatchObject({
      code: '42P01',
    })
    const { rows } = await app.pg.query<{ n: number }>('SELECT count(*)::int AS n FROM patient')
    expect(rows[0]?.n).toBe(1)
  })

  it('builds parameterised SQL with quoted identifiers', () => {
    expect(
      buildInsert({ schema: 'care', name: 'patient' }, { name: 'Ann', skipped: undefined }, 'u1'),
    ).toEqual({
      text: 'INSERT INTO "care"."patient" ("created_by", "modified_by", "name") VALUES ($1, $1, $2) RETURNING *',
      values: ['u1', 'Ann'],
    })
    expect(buildUpdate('patient', 'id-1', { 'we"ird': 1 }, 'u2')).toEqual({
      text: 'UPDATE "patient" SET "modified" = now(), "modified_by" = $1, "we""ird" = $3 WHERE "uuid" = $2 RETURNING *',
      values: ['u2', 'id-1', 1],
    })
    const uuid = '0b9f2a39-7f6e-4a41-9d1c-3a5e2f1d8c77'
    expect(buildInsert('patient', { name: 'Ann' }, 'u1', { uuid })).toEqual({
      text: 'INSERT INTO "patient" ("uuid", "created_by", "modified_by", "name") VALUES ($1, $2, $2, $3) RETURNING *',
      values: [uuid, 'u1', 'Ann'],
    })
  })

  it("builds the original's layout: uuid and UTC time from the application, created_by_ returned as created_by", () => {
    const now = new Date('2024-01-31T10:11:12.123Z')
    const uuid = '0b9f2a39-7f6e-4a41-9d1c-3a5e2f1d8c77'
    expect(buildInsert('patient', { name: 'Ann' }, 'u1', { layout: 'flask', uuid, now })).toEqual({
      text:
        'INSERT INTO "patient" ("uuid", "created", "modified", "created_by_", "modified_by_", "name") ' +
        'VALUES ($1, $2, $2, $3, $3, $4) RETURNING *, "created_by_" AS "created_by", "modified_by_" AS "modified_by"',
      values: [uuid, '2024-01-31T10:11:12.123Z', 'u1', 'Ann'],
    })
    expect(buildUpdate('patient', uuid, { name: 'Anne' }, 'u2', { layout: 'flask', now })).toEqual({
      text:
        'UPDATE "patient" SET "modified" = $3, "modified_by_" = $1, "name" = $4 WHERE "uuid" = $2 ' +
        'RETURNING *, "created_by_" AS "created_by", "modified_by_" AS "modified_by"',
      values: ['u2', uuid, '2024-01-31T10:11:12.123Z', 'Anne'],
    })
    // Without a uuid from the caller, the application makes a new v4 one for such a table.
    expect(buildInsert('patient', {}, 'u1', { layout: 'flask' }).values[0]).toMatch(UUID)
  })
})

describe('packIdentifier', () => {
  it('gives ISO 8601 UTC timestamps with milliseconds and Z', () => {
    const packed = packIdentifier({
      uuid: 'a',
      created: new Date(Date.UTC(2024, 0, 31, 10, 11, 12, 5)),
      created_by: 'c',
      modified: '2024-02-01 10:11:12.123456+01',
      modified_by: 'm',
      extra: 'ignored',
    })
    expect(packed).toEqual({
      uuid: 'a',
      created: '2024-01-31T10:11:12.005Z',
      created_by: 'c',
      modified: '2024-02-01T09:11:12.123Z',
      modified_by: 'm',
    })
  })

  it('packs a row read back from PostgreSQL (microseconds truncated to milliseconds)', async (ctx) => {
    const app = await appWithPatientTable(ctx)
    await app.pg.query(
      `INSERT INTO patient (uuid, name, created, created_by, modified, modified_by)
       VALUES ('6f1c1c7e-4a57-4f0e-9a7e-5a0d8e6f9b11', 'B', '2024-03-01 12:00:00.987654+00', 'c', '2024-03-01 12:00:01.5+00', 'm')`,
    )
    const { rows } = await app.pg.query('SELECT * FROM patient')
    expect(packIdentifier(rows[0] ?? {})).toEqual({
      uuid: '6f1c1c7e-4a57-4f0e-9a7e-5a0d8e6f9b11',
      created: '2024-03-01T12:00:00.987Z',
      created_by: 'c',
      modified: '2024-03-01T12:00:01.500Z',
      modified_by: 'm',
    })
  })

  it("gives the same JSON for a row of the original's layout (created_by_, modified_by_)", () => {
    const fbiRow = {
      uuid: 'a',
      created: new Date('2024-01-31T10:11:12.005Z'),
      created_by: 'c',
      modified: new Date('2024-02-01T09:11:12.123Z'),
      modified_by: 'm',
    }
    const flaskRow = {
      uuid: 'a',
      created: fbiRow.created,
      created_by_: 'c',
      modified: fbiRow.modified,
      modified_by_: 'm',
      name: 'x',
    }
    expect(packIdentifier(flaskRow)).toEqual(packIdentifier(fbiRow))
    expect(packIdentifier(flaskRow, 'flask')).toEqual(packIdentifier(fbiRow, 'fbi'))
    // Named explicitly, a layout's own names are the only ones read.
    expect(() => packIdentifier(fbiRow, 'flask')).toThrow(
      expect.objectContaining({
        code: 'FBI_DB_INVALID_OPTION',
        message: "Invalid option 'created_by_': must be a string",
      }),
    )
  })

  it('refuses a row without valid timestamps', () => {
    expect(() =>
      packIdentifier({
        uuid: 'a',
        created: 'not a date',
        created_by: 'c',
        modified: new Date(),
        modified_by: 'm',
      }),
    ).toThrow(expect.objectContaining({ code: 'FBI_DB_INVALID_OPTION' }))
  })
})
