import { join } from 'node:path'
import { loadConfig } from '@fbi/config'
import { describe, expect, it } from 'vitest'
import { buildApp, createTestDatabase } from './helpers.js'

const V1 = join(import.meta.dirname, 'fixtures/migrations/v1')

describe('dropData', () => {
  it('empties every table but the migrations table when ALLOW_DROP_DATA is true outside production', async (ctx) => {
    const database = await createTestDatabase('dropdata')
    ctx.onTestFinished(() => database.drop())
    const app = buildApp(database.url, {
      env: { ALLOW_DROP_DATA: 'true' },
      db: { migrations: { dir: V1, migrateOnStart: true } },
    })
    ctx.onTestFinished(() => app.close())
    await app.ready()
    await app.pg.query('CREATE TABLE parent (id serial PRIMARY KEY)')
    await app.pg.query('CREATE TABLE child (id int REFERENCES parent (id))')
    await app.pg.query('INSERT INTO parent DEFAULT VALUES')
    await app.pg.query('INSERT INTO child VALUES (1)')
    await app.pg.query("INSERT INTO note (title) VALUES ('n')")

    expect(await app.db.dropData()).toEqual({ tables: ['child', 'note', 'parent'] })
    for (const table of ['parent', 'child', 'note']) {
      const { rows } = await app.pg.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`)
      expect(rows[0]?.n).toBe(0)
    }
    const migrations = await app.pg.query<{ n: number }>('SELECT count(*)::int AS n FROM pgmigrations')
    expect(migrations.rows[0]?.n).toBe(2)
    // Sequences restart, as after a fresh migration.
    const { rows } = await app.pg.query<{ id: number }>('INSERT INTO parent DEFAULT VALUES RETURNING id')
    expect(rows[0]?.id).toBe(1)
  })

  it('throws Forbidden (403) when ALLOW_DROP_DATA is not set', async (ctx) => {
    const database = await createTestDatabase('dropdata')
    ctx.onTestFinished(() => database.drop())
    const app = buildApp(database.url)
    ctx.onTestFinished(() => app.close())
    app.post('/drop_data', async () => app.db.dropData())
    await app.ready()
    await app.pg.query('CREATE TABLE kept (v int)')
    await app.pg.query('INSERT INTO kept VALUES (1)')
    const res = await app.inject({ method: 'POST', url: '/drop_data' })
    expect(res.statusCode).toBe(403)
    expect(res.headers['content-type']).toMatch(/^application\/json/)
    expect(res.json()).toEqual({
      code: 403,
      message: 'Dropping data is not allowed: it needs ALLOW_DROP_DATA=true outside production',
    })
    const { rows } = await app.pg.query<{ n: number }>('SELECT count(*)::int AS n FROM kept')
    expect(rows[0]?.n).toBe(1)
  })

  it('throws Forbidden in production even if the flag were set', async (ctx) => {
    // @fbi/config refuses ALLOW_DROP_DATA=true in production at start-up; a configuration made
    // without that check (handed in ready-made) must still not drop anything.
    const base = loadConfig({
      env: {
        ENVIRONMENT: 'DEVELOPMENT',
        ALLOW_DROP_DATA: 'true',
        DATABASE_URL: 'postgres://postgres@127.0.0.1:1/none',
      },
      jwt: false,
      db: true,
    })
    const config = { ...base, environment: 'PRODUCTION', isProduction: true }
    const app = buildApp(undefined, { config, db: { connectTimeoutMs: 200 } })
    ctx.onTestFinished(() => app.close())
    await app.ready()
    await expect(app.db.dropData()).rejects.toMatchObject({ statusCode: 403, code: 'FBI_FORBIDDEN' })
    expect(() =>
      loadConfig({ env: { ENVIRONMENT: 'PRODUCTION', ALLOW_DROP_DATA: 'true' }, jwt: false }),
    ).toThrow(expect.objectContaining({ code: 'FBI_CONFIG_INVALID' }))
  })
})
