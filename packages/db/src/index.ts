import fastifyPostgres from '@fastify/postgres'
import { failClosed } from '@fbi/config/fail-closed'
import type { FastifyPluginAsync } from 'fastify'
import fp from 'fastify-plugin'
import { connectionTarget } from './connection-target.js'
import { createDb, type FbiDb, readStatus } from './db-api.js'
import { asError } from './db-errors.js'
import { DB_DEFAULTS } from './defaults.js'
import { EMBEDDED_POOL_SIZE, type EmbeddedDatabase, startEmbedded } from './embedded.js'
import { FBI_DB_NOT_CONFIGURED } from './errors.js'
import { registerHealthChecks } from './health.js'
import type { MigrationConnection } from './migration-session.js'
import { type FbiDbOptions, type ResolvedDbOptions, resolveDbOptions } from './options.js'
import { clientConfig, poolConfig } from './pool-config.js'
import { watchPool } from './pool-events.js'
import { poolPgModule } from './traced-pg.js'

// Re-exported so the declaration file keeps an import of @fastify/postgres: without it TypeScript
// drops the (value-only) import from dist/index.d.ts and users lose the typing of `app.pg`.
export type { PostgresDb } from '@fastify/postgres'
/** @fbi/config's DB_POOL_DEFAULTS, under the name 0.1 exported (the defaults are written once, there). */
export { DB_POOL_DEFAULTS as POOL_DEFAULTS } from '@fbi/config'
export type { ConnectionOptions } from './connection-options.js'
export type { FbiDb } from './db-api.js'
export { DB_DEFAULTS } from './defaults.js'
export type { EmbeddedDatabase, EmbeddedOptions } from './embedded.js'
export { EMBEDDED_POOL_SIZE, startEmbedded } from './embedded.js'
export * from './errors.js'
export { HEALTH_CHECK_NAMES } from './health.js'
export {
  type BuildOptions,
  buildInsert,
  buildUpdate,
  IDENTIFIER_COLUMNS,
  type IdentifierRow,
  isUuid,
  type PackedIdentifier,
  packIdentifier,
  type SqlQuery,
} from './identifier.js'
export {
  addIdentifierColumns,
  IDENTIFIER_LAYOUTS,
  type IdentifierColumnNames,
  type IdentifierLayout,
  type IdentifierLayoutOption,
  identifierColumns,
} from './identifier-layout.js'
export type { Actor, InsertOptions, WriteOptions } from './identifier-queries.js'
export { createMigration, shippedMigrations } from './migration-files.js'
export {
  DEFAULT_MIGRATIONS_SCHEMA,
  DEFAULT_MIGRATIONS_TABLE,
  type MigrationStatus,
  migrationStatus,
} from './migration-status.js'
export {
  type AppliedMigration,
  type Baseline,
  DEFAULT_LOCK_TIMEOUT_MS,
  type MigrateRunOptions,
  type MigrationsOptions,
  runMigrations,
} from './migrations.js'
export type { FbiDbOptions } from './options.js'
export { buildPoolConfig } from './pool-config.js'
export { quoteTable, type TableName } from './table-name.js'
export type { Queryable } from './transaction.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** Database helpers of @fbi/db; the pool itself is `app.pg` (@fastify/postgres). */
    db: FbiDb
  }
}

/** Where migrations run: see migration-session.ts. */
function migrationConnection(
  options: ResolvedDbOptions,
  embedded: EmbeddedDatabase | null,
  pool: FbiDb['pool'],
): MigrationConnection {
  if (embedded !== null) return { kind: 'pool', pool }
  const direct = options.migrations?.connectionString
  if (direct !== undefined) {
    return { kind: 'session', config: clientConfig({ ...options, connectionString: direct }), verify: true }
  }
  if (options.transactionPooler) {
    return {
      kind: 'refused',
      reason: 'the database connection is a transaction pooler (transactionPooler: true)',
    }
  }
  return { kind: 'session', config: clientConfig(options), verify: true }
}

const fbiDb: FastifyPluginAsync<FbiDbOptions> = async (fastify, opts) => {
  // Options first: a wrong one is a rejected ready() naming it.
  const options = resolveDbOptions(opts, fastify.config)

  // The pool: the configured server, or (outside production) an embedded PGlite.
  const pgOptions = poolConfig(options)
  let embedded: EmbeddedDatabase | null = null
  if (!options.configured) {
    if (fastify.config.isProduction) {
      throw new FBI_DB_NOT_CONFIGURED(`the embedded database is refused in ${fastify.config.environment}`)
    }
    if (options.embedded === false) throw new FBI_DB_NOT_CONFIGURED('the embedded database is turned off')
    // initdb takes seconds (more on a busy machine): say so before, not after, and say it when
    // Fastify's pluginTimeout may end the start with its own message, which names no cause.
    const database = options.embedded.dataDir ?? 'memory'
    const { pluginTimeout } = fastify.initialConfig
    if (
      pluginTimeout !== undefined &&
      pluginTimeout > 0 &&
      pluginTimeout < DB_DEFAULTS.embeddedStartBudgetMs
    ) {
      fastify.log.warn(
        { pluginTimeout },
        `Fastify's pluginTimeout is ${pluginTimeout} ms: the embedded PostgreSQL's first start can take longer on a busy machine, and Fastify then stops with "Plugin did not start in time: '@fbi/db'". Build Fastify with { pluginTimeout: ${DB_DEFAULTS.embeddedStartBudgetMs} } for development.`,
      )
    }
    fastify.log.info({ database }, 'No database configured: starting the embedded PostgreSQL (PGlite)…')
    const startedAt = performance.now()
    embedded = await startEmbedded(options.embedded)
    const startMs = Math.round(performance.now() - startedAt)
    const started = embedded
    // Registered before @fastify/postgres, so (onClose hooks run last-in, first-out) the pool ends first.
    fastify.addHook('onClose', async () => {
      await started.close()
    })
    pgOptions.connectionString = embedded.connectionString
    pgOptions.max = EMBEDDED_POOL_SIZE
    // One long-lived connection: reopening it is the only moment the single-socket server could refuse one.
    pgOptions.idleTimeoutMillis = 0
    fastify.log.warn(
      { database, startMs },
      `No database configured: using an embedded PostgreSQL (PGlite) at ${embedded.host}:${embedded.port}, one connection, for development only (started in ${(startMs / 1000).toFixed(1)} s)`,
    )
  }
  const tracedPg = poolPgModule(fastify)
  await fastify.register(fastifyPostgres, tracedPg === undefined ? pgOptions : { ...pgOptions, pg: tracedPg })
  const pool = fastify.pg.pool
  watchPool(pool, fastify.log, connectionTarget(pgOptions))

  // Decorators.
  const db = createDb({
    pool,
    embedded,
    options,
    config: fastify.config,
    log: fastify.log,
    migrationConnection: migrationConnection(options, embedded, pool),
  })
  fastify.decorate('db', db)

  // Health checks (with @fbi/monitoring). The version check is the original's: always there in compat mode.
  if (options.healthChecks) {
    const { migrations } = options
    registerHealthChecks(fastify, pool, {
      timeoutMs: options.healthCheckTimeoutMs,
      compat: options.compat,
      status:
        migrations !== undefined
          ? () => readStatus(pool, migrations)
          : options.compat === 'flask'
            ? () => readStatus(pool, {})
            : undefined,
    })
  }

  // Migrations at start-up.
  // SIGTERM while waiting for another instance's migration lock stops the wait (@fbi/monitoring's
  // shutdownSignal): an instance the orchestrator no longer wants exits instead of waiting it out.
  if (options.migrations?.migrateOnStart === true) {
    const signal = fastify.hasDecorator('shutdownSignal')
      ? fastify.getDecorator<AbortSignal>('shutdownSignal')
      : undefined
    await db.migrate(signal === undefined ? {} : { signal })
  }
}

// Nothing may leave the plugin as anything but an Error (avvio reads a falsy rejection as loaded).
const plugin = fp(failClosed(fbiDb, asError), {
  name: '@fbi/db',
  fastify: '5.x',
  dependencies: ['@fbi/config'],
  decorators: { fastify: ['config'] },
})
export default plugin
export { plugin as fbiDb }
