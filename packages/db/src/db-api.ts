import type { FbiConfig } from '@fbi/config'
import type { FastifyBaseLogger } from 'fastify'
import type { Pool, PoolClient, QueryResultRow } from 'pg'
import { asError } from './db-errors.js'
import { dropAllData } from './drop-data.js'
import type { EmbeddedDatabase } from './embedded.js'
import { FBI_DB_MIGRATIONS_NOT_CONFIGURED } from './errors.js'
import { type IdentifierRow, type PackedIdentifier, packIdentifier } from './identifier.js'
import type { IdentifierLayout } from './identifier-layout.js'
import {
  type Actor,
  type InsertOptions,
  insertWithIdentifier,
  updateWithIdentifier,
  type WriteOptions,
} from './identifier-queries.js'
import { type MigrationConnection, withMigrationSession } from './migration-session.js'
import { type HistoryLocation, type MigrationStatus, migrationStatus } from './migration-status.js'
import {
  type AppliedMigration,
  type Baseline,
  LOCK_WAIT_MESSAGE,
  type MigrateRunOptions,
  type MigrationLog,
  type MigrationsOptions,
  recordBaseline,
  runMigrations,
} from './migrations.js'
import type { ResolvedDbOptions } from './options.js'
import { type TableName, tableKey } from './table-name.js'
import { beginStatement, transaction } from './transaction.js'

/** `app.db`: the helpers around the pool that @fastify/postgres puts on `app.pg`. */
export interface FbiDb {
  /** The pg pool (the same object as `app.pg.pool`). */
  readonly pool: Pool
  /** The embedded database when one was started, else null. */
  readonly embedded: EmbeddedDatabase | null
  /** Apply pending migrations (or revert with `{ direction: 'down' }`) on a session of their own, under the migration lock. */
  migrate(opts?: MigrateRunOptions): Promise<AppliedMigration[]>
  /** Record the existing schema (an Alembic database) as fbi's starting point; `to` also marks shipped migrations up to it as applied. */
  baseline(opts?: { to?: string }): Promise<Baseline>
  /** Applied and pending migrations compared with the files shipped in `migrations.dir`, and Alembic's version. */
  migrationStatus(): Promise<MigrationStatus>
  /** Run `fn` in one transaction on one client: COMMIT when it resolves, ROLLBACK when anything throws. */
  transaction<T>(fn: (client: PoolClient) => Promise<T>): Promise<T>
  /** INSERT … RETURNING * with the identifier columns filled per the table's layout; `opts.uuid` is the only way to choose the uuid. */
  insertWithIdentifier<Row extends QueryResultRow = QueryResultRow>(
    actor: Actor,
    table: TableName,
    values: Record<string, unknown>,
    opts?: InsertOptions,
  ): Promise<Row & IdentifierRow>
  /** UPDATE … WHERE uuid RETURNING *, setting modified and modified_by; EntityNotFound when no row. */
  updateWithIdentifier<Row extends QueryResultRow = QueryResultRow>(
    actor: Actor,
    table: TableName,
    uuid: string,
    values: Record<string, unknown>,
    opts?: WriteOptions,
  ): Promise<Row & IdentifierRow>
  /** The identifier layout of a table (`tableLayouts`, else `identifierLayout`). */
  identifierLayout(table?: TableName): IdentifierLayout
  /** `packIdentifier(row)` read with the table's layout. */
  packIdentifier(row: Record<string, unknown>, table?: TableName): PackedIdentifier
  /** Empty every table of the current schema but the migrations table; Forbidden unless ALLOW_DROP_DATA outside production. */
  dropData(): Promise<{ tables: string[] }>
}

export interface DbParts {
  pool: Pool
  embedded: EmbeddedDatabase | null
  options: ResolvedDbOptions
  config: FbiConfig
  log: FastifyBaseLogger
  migrationConnection: MigrationConnection
}

/** The migration status read on a pooled client (plain SELECTs: fine behind a pooler too). */
export async function readStatus(pool: Pool, location: HistoryLocation): Promise<MigrationStatus> {
  const client = await pool.connect()
  let failed = false
  try {
    return await migrationStatus(client, location)
  } catch (err) {
    failed = true
    throw asError(err)
  } finally {
    client.release(failed)
  }
}

// node-pg-migrate writes console text ("> Migrating files:", "### MIGRATION … (UP) ###", the SQL): kept at
// debug, where LOG_LEVEL=debug finds it; its warnings and errors keep their level. fbi logs a line
// before the run and a summary after (logMigrationRun).
function migrationLog(log: FastifyBaseLogger): MigrationLog {
  return {
    notice: (msg: string) => log.info(msg),
    lockWait: () => log.info(LOCK_WAIT_MESSAGE),
    debug: (msg: string) => log.debug(msg),
    info: (msg: string) => log.debug(msg),
    warn: (msg: string) => log.warn(msg),
    error: (msg: string) => log.error(msg),
  }
}

/** A migration run between a line that says it starts and one that sums it up. */
async function logMigrationRun(
  log: FastifyBaseLogger,
  dir: string,
  direction: 'up' | 'down',
  run: () => Promise<AppliedMigration[]>,
): Promise<AppliedMigration[]> {
  log.info({ dir, direction }, `Migrating the database ${direction} from ${dir}…`)
  const startedAt = performance.now()
  const ran = await run()
  const durationMs = Math.round(performance.now() - startedAt)
  const migrations = ran.map((m) => m.name)
  if (ran.length === 0) {
    log.info(
      { direction, migrations, durationMs },
      'Migrations: the database is up to date, nothing to apply',
    )
  } else {
    const verb = direction === 'up' ? 'applied' : 'reverted'
    log.info(
      { direction, migrations, durationMs },
      `Migrations ${verb}: ${ran.length} in ${durationMs} ms (${direction === 'up' ? 'now at' : 'last reverted'} ${migrations.at(-1)})`,
    )
  }
  return ran
}

/** The `app.db` object. */
export function createDb(parts: DbParts): FbiDb {
  const { pool, options, migrationConnection } = parts
  const { migrations } = options
  const log = migrationLog(parts.log)
  const requireMigrations = (): MigrationsOptions => {
    if (migrations === undefined) throw new FBI_DB_MIGRATIONS_NOT_CONFIGURED()
    return migrations
  }
  const layoutOf = (table?: TableName) =>
    (table === undefined ? undefined : options.tableLayouts.get(tableKey(table))) ?? options.identifierLayout
  // Behind a transaction pooler the statement timeout cannot live in the session (pool-config.ts).
  const begin = beginStatement(
    options.transactionPooler && options.statementTimeoutMs > 0 ? options.statementTimeoutMs : undefined,
  )
  return {
    pool,
    embedded: parts.embedded,
    async migrate(runOpts = {}) {
      const m = requireMigrations()
      return logMigrationRun(parts.log, m.dir, runOpts.direction ?? 'up', () =>
        withMigrationSession(migrationConnection, (client) =>
          runMigrations(client, { ...m, ...runOpts, log }),
        ),
      )
    },
    async baseline(baselineOpts = {}) {
      const m = requireMigrations()
      return withMigrationSession(migrationConnection, (client) =>
        recordBaseline(client, { ...m, ...baselineOpts, log }),
      )
    },
    migrationStatus: () => readStatus(pool, requireMigrations()),
    transaction: (fn) => transaction(pool, fn, { begin }),
    insertWithIdentifier: (actor, table, values, writeOpts = {}) =>
      insertWithIdentifier(writeOpts.client ?? pool, layoutOf(table), actor, table, values, writeOpts),
    updateWithIdentifier: (actor, table, uuid, values, writeOpts = {}) =>
      updateWithIdentifier(writeOpts.client ?? pool, layoutOf(table), actor, table, uuid, values),
    identifierLayout: layoutOf,
    packIdentifier: (row, table) => packIdentifier(row, layoutOf(table)),
    dropData: () => dropAllData(pool, parts.config, migrations),
  }
}
