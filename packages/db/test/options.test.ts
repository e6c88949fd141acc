import { loadConfig, VARIABLES } from '@fbi/config'
import { describe, expect, it } from 'vitest'
import {
  buildPoolConfig,
  DB_DEFAULTS,
  type FbiDbOptions,
  IDENTIFIER_LAYOUTS,
  POOL_DEFAULTS,
  startEmbedded,
} from '../src/index.js'
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
    [{ healthCheckTimeoutMs: 0 }, "Invalid option 'healthCheckTimeoutMs': must be an integer >= 1"],
    [
      { transactionPooler: 'yes' as unknown as boolean },
      "Invalid option 'transactionPooler': must be a boolean",
    ],
    [{ compat: 'django' as unknown as false }, "Invalid option 'compat': must be false or one of: flask"],
    [
      { identifierLayout: 'rails' as unknown as 'fbi' },
      "Invalid option 'identifierLayout': must be 'fbi', 'flask' or { columns, values }",
    ],
    [
      {
        tableLayouts: {
          patient: { columns: { ...IDENTIFIER_LAYOUTS.flask.columns, createdBy: '' }, values: 'application' },
        },
      },
      "Invalid option 'tableLayouts.patient.columns.createdBy': must be a non-empty string",
    ],
    [
      {
        identifierLayout: {
          columns: { ...IDENTIFIER_LAYOUTS.fbi.columns, modified: 'created' },
          values: 'database',
        },
      },
      "Invalid option 'identifierLayout.columns': must name five different columns",
    ],
    [
      { identifierLayout: { ...IDENTIFIER_LAYOUTS.fbi, values: 'db' as 'database' } },
      "Invalid option 'identifierLayout.values': must be 'database' or 'application'",
    ],
    [
      { migrations: { dir: 'm', connectionString: '' } },
      "Invalid option 'migrations.connectionString': must be a non-empty string",
    ],
    [
      { migrations: { dir: 'm', baseline: { to: '' } } },
      "Invalid option 'migrations.baseline': must be a boolean or { to: <migration name> }",
    ],
  ])('refuses %j at start-up', async (db, message) => {
    const app = buildApp('postgres://postgres@127.0.0.1:1/none', { db })
    await expect(app.ready()).rejects.toMatchObject({
      code: 'FBI_DB_INVALID_OPTION',
      statusCode: 500,
      message,
    })
    await app.close()
  })

  it.each([
    ['undefined', undefined],
    ['null', null],
    ['0', 0],
    ["''", ''],
  ] as const)(
    'fails start-up when reading an option throws %s (avvio would read a falsy rejection as loaded)',
    async (_, thrown) => {
      const db = {
        get poolSize(): number {
          throw thrown
        },
      }
      const app = buildApp('postgres://postgres@127.0.0.1:1/none', { db })
      await expect(app.ready()).rejects.toMatchObject({ code: 'FBI_DB_NOT_AN_ERROR', statusCode: 500 })
      expect(app.hasDecorator('db')).toBe(false)
      await app.close()
    },
  )

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
    const { types, ...fromEnv } = buildPoolConfig({}, config.db)
    expect(fromEnv).toEqual({
      host: 'db.internal',
      port: 6543,
      user: 'svc',
      password: 'secret',
      database: 'patients',
      max: 4,
      connectionTimeoutMillis: 1500,
      idleTimeoutMillis: 0,
      keepAlive: true,
      keepAliveInitialDelayMillis: 10_000,
    })
    // Timestamps without time zone are read as UTC (utc-timestamps.ts), everything else as pg does.
    expect(types?.getTypeParser(1114)('2024-01-31 10:11:12.5')).toEqual(new Date('2024-01-31T10:11:12.500Z'))
    // A URL given in code replaces the configured connection as a whole; pool settings merge.
    const { types: _, ...explicit } = buildPoolConfig(
      { connectionString: 'postgres://a@b/c', statementTimeoutMs: 250 },
      config.db,
    )
    expect(explicit).toEqual({
      connectionString: 'postgres://a@b/c',
      max: 4,
      connectionTimeoutMillis: 1500,
      idleTimeoutMillis: 0,
      statement_timeout: 250,
      // The client-side bound: a database that stops answering cannot hold a query longer.
      query_timeout: 1250,
      keepAlive: true,
      keepAliveInitialDelayMillis: 10_000,
    })
    expect(buildPoolConfig({}, undefined)).toMatchObject({
      max: 10,
      connectionTimeoutMillis: 5000,
      idleTimeoutMillis: 10_000,
      statement_timeout: 30_000,
      query_timeout: 31_000,
    })
  })

  it('sends no start-up parameter behind a transaction pooler, keeping the client-side bound', () => {
    const pooled = buildPoolConfig(
      { connectionString: 'postgres://a@b/c', transactionPooler: true },
      undefined,
    )
    expect(pooled).not.toHaveProperty('statement_timeout')
    expect(pooled.query_timeout).toBe(31_000)
    // No statement timeout asked for: none on either side.
    const none = buildPoolConfig({ connectionString: 'postgres://a@b/c', statementTimeoutMs: 0 }, undefined)
    expect(none).not.toHaveProperty('statement_timeout')
    expect(none).not.toHaveProperty('query_timeout')
  })

  it('takes the connection lifetime and the pooler switch from the environment, the original spelling too', () => {
    const env = { DATABASE_URL: 'postgres://a@b/c', DATABASE_TRANSACTION_POOLER: 'true' }
    const ours = loadConfig({ env: { ...env, DATABASE_MAX_LIFETIME_SECONDS: '600' }, jwt: false, db: true })
    const pooled = buildPoolConfig({}, ours.db)
    expect(pooled.maxLifetimeSeconds).toBe(600)
    expect(pooled).not.toHaveProperty('statement_timeout')
    expect(pooled.query_timeout).toBe(31_000)
    const original = loadConfig({ env: { ...env, SQLALCHEMY_POOL_RECYCLE: '300' }, jwt: false, db: true })
    expect(buildPoolConfig({}, original.db).maxLifetimeSeconds).toBe(300)
    // 0 (the default) keeps connections for good: pg is not given the setting at all.
    expect(buildPoolConfig({}, undefined)).not.toHaveProperty('maxLifetimeSeconds')
    expect(() => buildPoolConfig({ maxLifetimeSeconds: -1 }, undefined)).toThrow(/maxLifetimeSeconds/)
  })

  it("takes the pool defaults and bounds from @fbi/config's catalogue, written once", () => {
    const spec = (name: string) => VARIABLES.find((v) => v.name === name)
    expect(POOL_DEFAULTS).toEqual({
      poolSize: Number(spec('DATABASE_POOL_SIZE')?.default),
      connectTimeoutMs: Number(spec('DATABASE_CONNECT_TIMEOUT_MS')?.default),
      idleTimeoutMs: Number(spec('DATABASE_IDLE_TIMEOUT_MS')?.default),
      statementTimeoutMs: Number(spec('DATABASE_STATEMENT_TIMEOUT_MS')?.default),
      maxLifetimeSeconds: Number(spec('DATABASE_MAX_LIFETIME_SECONDS')?.default),
    })
    expect(Object.isFrozen(POOL_DEFAULTS)).toBe(true)
    expect(Object.isFrozen(DB_DEFAULTS)).toBe(true)
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
