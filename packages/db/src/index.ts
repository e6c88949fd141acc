import fastifyPostgres from '@fastify/postgres'
import type { FbiConfig } from '@fbi/config'
import type { FastifyBaseLogger, FastifyPluginAsync, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import type { Pool, PoolClient, QueryResultRow } from 'pg'
import { dropAllData } from './drop-data.js'
import { EMBEDDED_POOL_SIZE, type EmbeddedDatabase, type EmbeddedOptions, startEmbedded } from './embedded.js'
import { FBI_DB_INVALID_OPTION, FBI_DB_MIGRATIONS_NOT_CONFIGURED, FBI_DB_NOT_CONFIGURED } from './errors.js'
import { registerHealthChecks } from './health.js'
import type { IdentifierRow, TableName } from './identifier.js'
import { insertWithIdentifier, updateWithIdentifier } from './identifier-queries.js'
import {
  type AppliedMigration,
  type MigrateRunOptions,
  type MigrationStatus,
  type MigrationsOptions,
  migrationStatus,
  runMigrations,
} from './migrations.js'
import {
  buildPoolConfig,
  type ConnectionOptions,
  isConfigured,
  validateConnectionOptions,
} from './pool-config.js'
import { type Queryable, transaction } from './transaction.js'

// Re-exported so the declaration file keeps an import of @fastify/postgres: without it TypeScript
// drops the (value-only) import from dist/index.d.ts and users lose the typing of `app.pg`.
export type { PostgresDb } from '@fastify/postgres'

export type { EmbeddedDatabase, EmbeddedOptions } from './embedded.js'
export { EMBEDDED_POOL_SIZE, startEmbedded } from './embedded.js'
export * from './errors.js'
export {
  addIdentifierColumns,
  buildInsert,
  buildUpdate,
  IDENTIFIER_COLUMNS,
  type IdentifierRow,
  identifierColumns,
  isUuid,
  type PackedIdentifier,
  packIdentifier,
  quoteTable,
  type SqlQuery,
  type TableName,
} from './identifier.js'
export type { Actor, WriteOptions } from './identifier-queries.js'
export {
  type AppliedMigration,
  createMigration,
  DEFAULT_LOCK_TIMEOUT_MS,
  DEFAULT_MIGRATIONS_SCHEMA,
  DEFAULT_MIGRATIONS_TABLE,
  type MigrateRunOptions,
  type MigrationStatus,
  type MigrationsOptions,
  migrationStatus,
  runMigrations,
  shippedMigrations,
} from './migrations.js'
export { buildPoolConfig, type ConnectionOptions, POOL_DEFAULTS } from './pool-config.js'
export type { Queryable } from './transaction.js'

export interface FbiDbOptions extends ConnectionOptions {
  /**
   * The embedded PostgreSQL (PGlite) started when no database is configured outside production;
   * `false` makes a missing database a startup error everywhere. Default: {} (in memory).
   */
  embedded?: false | EmbeddedOptions
  /** node-pg-migrate migrations: directory, table, lock wait, run at start-up. Default: undefined (none). */
  migrations?: MigrationsOptions
  /** Register the "database" and "migrations" checks when @fbi/monitoring is present. Default: true. */
  healthChecks?: boolean
  /** Time allowed to the "database" health check's SELECT 1, in ms. Default: 2000. */
  healthCheckTimeoutMs?: number
}

/** `app.db`: the helpers around the pool that @fastify/postgres puts on `app.pg`. */
export interface FbiDb {
  /** The pg pool (the same object as `app.pg.pool`). */
  readonly pool: Pool
  /** The embedded database when one was started, else null. */
  readonly embedded: EmbeddedDatabase | null
  /** Apply pending migrations (or revert with `{ direction: 'down' }`) under node-pg-migrate's advisory lock. */
  migrate(opts?: MigrateRunOptions): Promise<AppliedMigration[]>
  /** Applied and pending migrations compared with the files shipped in `migrations.dir`. */
  migrationStatus(): Promise<MigrationStatus>
  /** Run `fn` in one transaction on one client: COMMIT when it resolves, ROLLBACK when anything throws. */
  transaction<T>(fn: (client: PoolClient) => Promise<T>): Promise<T>
  /** INSERT … RETURNING * with created_by/modified_by from the request's JWT user and times from now(). */
  insertWithIdentifier<Row extends QueryResultRow = QueryResultRow>(
    actor: FastifyRequest | string,
    table: TableName,
    values: Record<string, unknown>,
    opts?: { client?: Queryable },
  ): Promise<Row & IdentifierRow>
  /** UPDATE … WHERE uuid RETURNING *, setting modified = now() and modified_by; EntityNotFound when no row. */
  updateWithIdentifier<Row extends QueryResultRow = QueryResultRow>(
    actor: FastifyRequest | string,
    table: TableName,
    uuid: string,
    values: Record<string, unknown>,
    opts?: { client?: Queryable },
  ): Promise<Row & IdentifierRow>
  /** Empty every table of the current schema but the migrations table; Forbidden unless ALLOW_DROP_DATA outside production. */
  dropData(): Promise<{ tables: string[] }>
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Database helpers of @fbi/db; the pool itself is `app.pg` (@fastify/postgres). */
    db: FbiDb
  }
}

const fbiDb: FastifyPluginAsync<FbiDbOptions> = async (fastify, opts) => {
  validateConnectionOptions(opts)
  const { embedded: embeddedOpt = {}, migrations, healthChecks = true, healthCheckTimeoutMs = 2000 } = opts
  if (embeddedOpt !== false && (typeof embeddedOpt !== 'object' || embeddedOpt === null)) {
    throw new FBI_DB_INVALID_OPTION('embedded', 'must be false or { dataDir?: string }')
  }
  if (embeddedOpt !== false && embeddedOpt.dataDir !== undefined && typeof embeddedOpt.dataDir !== 'string') {
    throw new FBI_DB_INVALID_OPTION('embedded.dataDir', 'must be a string')
  }
  if (migrations !== undefined) validateMigrations(migrations)
  if (typeof healthChecks !== 'boolean') throw new FBI_DB_INVALID_OPTION('healthChecks', 'must be a boolean')
  if (!Number.isInteger(healthCheckTimeoutMs) || healthCheckTimeoutMs < 1) {
    throw new FBI_DB_INVALID_OPTION('healthCheckTimeoutMs', 'must be a positive integer')
  }

  const config: FbiConfig = fastify.config
  const poolConfig = buildPoolConfig(opts, config.db)
  let embedded: EmbeddedDatabase | null = null
  if (!isConfigured(opts, config.db)) {
    if (config.isProduction)
      throw new FBI_DB_NOT_CONFIGURED(`the embedded database is refused in ${config.environment}`)
    if (embeddedOpt === false) throw new FBI_DB_NOT_CONFIGURED('the embedded database is turned off')
    embedded = await startEmbedded(embeddedOpt)
    const started = embedded
    // Registered before @fastify/postgres, so (onClose hooks run last-in, first-out) the pool ends first.
    fastify.addHook('onClose', async () => {
      await started.close()
    })
    poolConfig.connectionString = embedded.connectionString
    poolConfig.max = EMBEDDED_POOL_SIZE
    // One long-lived connection: reopening it is the only moment the single-socket server could refuse one.
    poolConfig.idleTimeoutMillis = 0
    fastify.log.warn(
      { database: embeddedOpt.dataDir ?? 'memory' },
      `No database configured: using an embedded PostgreSQL (PGlite) at ${embedded.host}:${embedded.port}, one connection, for development only`,
    )
  }

  await fastify.register(fastifyPostgres, poolConfig)
  const pool = fastify.pg.pool
  const log: FastifyBaseLogger = fastify.log
  // @fastify/postgres adds no listener: without one an idle client's error (server restart, network
  // cut) is an unhandled 'error' event and kills the process. pg-pool removes the broken client.
  pool.on('error', (err) => {
    log.warn(
      { err: { message: err.message, code: (err as { code?: unknown }).code } },
      'database client error',
    )
  })
  // pg-pool drops its own listener while a client is checked out; keep one so a connection lost
  // between two queries of a checked-out client fails the next query instead of the process.
  pool.on('connect', (client) => {
    client.on('error', () => {})
  })

  const requireMigrations = (): MigrationsOptions => {
    if (migrations === undefined) throw new FBI_DB_MIGRATIONS_NOT_CONFIGURED()
    return migrations
  }

  const db: FbiDb = {
    pool,
    embedded,
    async migrate(runOpts = {}) {
      const m = requireMigrations()
      const client = await pool.connect()
      let failed = false
      try {
        return await runMigrations(client, { ...m, ...runOpts, log: migrationLog(log) })
      } catch (err) {
        failed = true
        throw err
      } finally {
        // node-pg-migrate leaves a failed migration's transaction open (it expects to close its own
        // connection) and then cannot release its session-level advisory lock: such a client must
        // never go back to the pool. Destroying it ends the session, which rolls back and unlocks.
        client.release(failed)
      }
    },
    async migrationStatus() {
      const m = requireMigrations()
      const client = await pool.connect()
      try {
        return await migrationStatus(client, m)
      } finally {
        client.release()
      }
    },
    transaction: (fn) => transaction(pool, fn),
    insertWithIdentifier: (actor, table, values, writeOpts) =>
      insertWithIdentifier(writeOpts?.client ?? pool, actor, table, values),
    updateWithIdentifier: (actor, table, uuid, values, writeOpts) =>
      updateWithIdentifier(writeOpts?.client ?? pool, actor, table, uuid, values),
    dropData: () => dropAllData(pool, config, migrations),
  }
  fastify.decorate('db', db)

  if (healthChecks) registerHealthChecks(fastify, db, { timeoutMs: healthCheckTimeoutMs, migrations })
  if (migrations?.migrateOnStart === true) await db.migrate()
}

function validateMigrations(m: MigrationsOptions): void {
  if (typeof m !== 'object' || m === null) throw new FBI_DB_INVALID_OPTION('migrations', 'must be an object')
  if (typeof m.dir !== 'string' || m.dir.length === 0) {
    throw new FBI_DB_INVALID_OPTION('migrations.dir', 'must be a non-empty string')
  }
  for (const key of ['table', 'schema'] as const) {
    const value = m[key]
    if (value !== undefined && (typeof value !== 'string' || value.length === 0)) {
      throw new FBI_DB_INVALID_OPTION(`migrations.${key}`, 'must be a non-empty string')
    }
  }
  if (m.migrateOnStart !== undefined && typeof m.migrateOnStart !== 'boolean') {
    throw new FBI_DB_INVALID_OPTION('migrations.migrateOnStart', 'must be a boolean')
  }
  if (m.lockTimeoutMs !== undefined && (!Number.isInteger(m.lockTimeoutMs) || m.lockTimeoutMs < 0)) {
    throw new FBI_DB_INVALID_OPTION('migrations.lockTimeoutMs', 'must be an integer >= 0')
  }
}

function migrationLog(log: FastifyBaseLogger) {
  return {
    debug: (msg: string) => log.debug(msg),
    info: (msg: string) => log.info(msg),
    warn: (msg: string) => log.warn(msg),
    error: (msg: string) => log.error(msg),
  }
}

const plugin = fp(fbiDb, {
  name: '@fbi/db',
  fastify: '5.x',
  dependencies: ['@fbi/config'],
  decorators: { fastify: ['config'] },
})
export default plugin
export { plugin as fbiDb }
