import { loadConfig } from '@fbi/config'
import { describe, expect, it } from 'vitest'
import { buildPoolConfig, type FbiDbOptions, startEmbedded } from '../src/index.js'
import { buildApp, createTestDatabase } from './helpers.js'

describe('options', () => {
  it.each<[FbiDbOptions, string]>([
    [{ poolSize: 0 }, "Invalid option 'poolSize': must be an integer >= 1"],
    [{ connectTimeoutMs: 1.5 }, "Invalid option 'connectTimeoutMs': must be an integer >= 1"],
    [{ idleTimeoutMs: -1 }, "Invalid option 'idleTimeoutMs': must be an integer >= 0"],
    [{ port: 70_000 }, "Invalid option 'port': must be at most 65535"],
    [{ connectionString: '' }, "Invalid option 'connectionString': must be a non-empty string"],
    [
      { embedded: true as unknown as false },
      "Invalid option 'embedded': must be false or { dataDir?: string }",
    ],
    [{ migrations: { dir: '' } }, "Invalid option 'migrations.dir': must be a non-empty string"],
    [
      { migrations: { dir: 'm', lockTimeoutMs: -5 } },
      "Invalid option 'migrations.lockTimeoutMs': must be an integer >= 0",
    ],
    [{ healthCheckTimeoutMs: 0 }, "Invalid option 'healthCheckTimeoutMs': must be a positive integer"],
  ])('refuses %j at start-up', async (db, message) => {
    const app = buildApp('postgres://postgres@127.0.0.1:1/none', { db })
    await expect(app.ready()).rejects.toMatchObject({
      code: 'FBI_DB_INVALID_OPTION',
      statusCode: 500,
      message,
    })
    await app.close()
  })

  it('builds the pool from the DATABASE_* variables, and explicit options win', () => {
    const config = loadConfig({
      env: {
        ENVIRONMENT: 'DEVELOPMENT',
        DATABASE_HOST: 'db.internal',
        DATABASE_PORT: '6543',
        DATABASE_USER: 'svc',
        DATABASE_PASSWORD: 'secret',
        DATABASE_NAME: 'patients',
        DATABASE_POOL_SIZE: '4',
        DATABASE_CONNECT_TIMEOUT_MS: '1500',
        DATABASE_IDLE_TIMEOUT_MS: '0',
        DATABASE_STATEMENT_TIMEOUT_MS: '0',
      },
      jwt: false,
      db: true,
    })
    expect(buildPoolConfig({}, config.db)).toEqual({
      host: 'db.internal',
      port: 6543,
      user: 'svc',
      password: 'secret',
      database: 'patients',
      max: 4,
      connectionTimeoutMillis: 1500,
      idleTimeoutMillis: 0,
      keepAlive: true,
    })
    // A URL given in code replaces the configured connection as a whole; pool settings merge.
    expect(
      buildPoolConfig({ connectionString: 'postgres://a@b/c', statementTimeoutMs: 250 }, config.db),
    ).toEqual({
      connectionString: 'postgres://a@b/c',
      max: 4,
      connectionTimeoutMillis: 1500,
      idleTimeoutMillis: 0,
      statement_timeout: 250,
      keepAlive: true,
    })
    expect(buildPoolConfig({}, undefined)).toMatchObject({
      max: 10,
      connectionTimeoutMillis: 5000,
      idleTimeoutMillis: 10_000,
      statement_timeout: 30_000,
    })
  })

  it('connects with the separate DATABASE_HOST/PORT/USER/NAME variables and applies the pool settings', async (ctx) => {
    const database = await createTestDatabase('options')
    ctx.onTestFinished(() => database.drop())
    let target = database.url
    if (target === undefined) {
      const embedded = await startEmbedded()
      ctx.onTestFinished(() => embedded.close())
      target = embedded.connectionString
    }
    const url = new URL(target)
    const app = buildApp(undefined, {
      env: {
        DATABASE_HOST: url.hostname,
        DATABASE_PORT: url.port,
        DATABASE_USER: decodeURIComponent(url.username),
        DATABASE_NAME: url.pathname.slice(1),
        DATABASE_POOL_SIZE: '1',
        DATABASE_STATEMENT_TIMEOUT_MS: '1234',
      },
    })
    ctx.onTestFinished(() => app.close())
    await app.ready()
    expect(app.db.embedded).toBeNull()
    expect(app.pg.pool.options.max).toBe(1)
    const { rows } = await app.pg.query<{ db: string }>('SELECT current_database() AS db')
    expect(rows[0]?.db).toBe(url.pathname.slice(1))
    if (database.url !== undefined) {
      // PGlite ignores the statement_timeout start-up parameter; PostgreSQL applies it.
      const timeout = await app.pg.query<{ statement_timeout: string }>('SHOW statement_timeout')
      expect(timeout.rows[0]?.statement_timeout).toBe('1234ms')
    }
  })
})
