import { resolve } from 'node:path'
import { runner } from 'node-pg-migrate'
import type { ClientBase } from 'pg'
import { asError } from './db-errors.js'
import { FBI_DB_BASELINE_REQUIRED, FBI_DB_INVALID_OPTION, FBI_DB_MIGRATION_FAILED } from './errors.js'
import { shippedMigrations } from './migration-files.js'
import { acquireMigrationLock, releaseMigrationLock } from './migration-session.js'
import { DEFAULT_MIGRATIONS_SCHEMA, DEFAULT_MIGRATIONS_TABLE, migrationStatus } from './migration-status.js'

/** Where the migrations live and how they run. */
export interface MigrationsOptions {
  /** Directory of node-pg-migrate migration files (.js, .cjs, .mjs or .sql), resolved from the working directory. */
  dir: string
  /** Run pending migrations while the plugin starts. Default: false. */
  migrateOnStart?: boolean
  /** Table that records the applied migrations. Default: 'pgmigrations' (node-pg-migrate's own default). */
  table?: string
  /** Schema of that table. Default: 'public' (node-pg-migrate's default). */
  schema?: string
  /** How long to keep retrying while another instance holds the migration lock. Default: 30000. */
  lockTimeoutMs?: number
  /**
   * A direct connection to PostgreSQL for migrations (they need a session: not a transaction
   * pooler). Default: DATABASE_MIGRATIONS_URL, else the service's own connection (then not a pooler).
   */
  connectionString?: string
  /**
   * Take over a database that Alembic migrated (it has `alembic_version` and no fbi history): before
   * the first migration, record its schema as the starting point, as `fbi-db migrate baseline` does;
   * `{ to }` also marks the shipped migrations up to that one as applied without running them.
   * Default: false (such a database is refused with FBI_DB_BASELINE_REQUIRED).
   */
  baseline?: boolean | { to: string }
}

export interface MigrateRunOptions {
  /** Default: 'up'. */
  direction?: 'up' | 'down'
  /** How many migrations to run. Default: all pending for 'up', 1 for 'down'. */
  count?: number
  /**
   * Stops waiting for another instance's migration lock when aborted (FBI_DB_MIGRATION_ABORTED); a
   * migration already running is never interrupted. Default: at start-up, @fbi/monitoring's
   * `app.shutdownSignal` (SIGTERM while starting), else none.
   */
  signal?: AbortSignal
}

/** A migration that was applied (or reverted) by a run. */
export interface AppliedMigration {
  readonly name: string
  readonly path: string
}

/** What a baseline recorded. */
export interface Baseline {
  /** The Alembic version the database was at, or null (a schema made otherwise). */
  readonly alembicVersion: string | null
  /** Shipped migrations marked as applied without running (the ones up to `to`). */
  readonly marked: readonly string[]
  /** False when the database already had fbi history: nothing was recorded. */
  readonly recorded: boolean
}

/** Said once when another instance holds the migration lock and this one waits for it. */
export const LOCK_WAIT_MESSAGE = 'another instance holds the migration lock; waiting'

export interface MigrationLog {
  /** fbi's own lines (a baseline recorded): at info. */
  notice(msg: string): void
  /** Another instance holds the migration lock: told once per wait. */
  lockWait(): void
  /** node-pg-migrate's own text. */
  info(msg: string): void
  warn(msg: string): void
  error(msg: string): void
  debug(msg: string): void
}

export const DEFAULT_LOCK_TIMEOUT_MS = 30_000

type RunOptions = MigrationsOptions & MigrateRunOptions & { log: MigrationLog }

function runnerOptions(client: ClientBase, opts: RunOptions) {
  return {
    dbClient: client,
    dir: resolve(opts.dir),
    migrationsTable: opts.table ?? DEFAULT_MIGRATIONS_TABLE,
    migrationsSchema: opts.schema ?? DEFAULT_MIGRATIONS_SCHEMA,
    checkOrder: true,
    // The lock is ours (acquireMigrationLock), taken before the history is read.
    noLock: true,
    logger: { debug: opts.log.debug, info: opts.log.info, warn: opts.log.warn, error: opts.log.error },
  }
}

/** Runs `work` holding the migration lock; the lock is released after a success (a failure ends the session). */
async function underLock<T>(client: ClientBase, opts: RunOptions, work: () => Promise<T>): Promise<T> {
  await acquireMigrationLock(
    client,
    opts.lockTimeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS,
    () => opts.log.lockWait(),
    opts.signal,
  )
  const result = await work()
  await releaseMigrationLock(client)
  return result
}

async function markBaseline(client: ClientBase, opts: RunOptions, to: string | undefined): Promise<Baseline> {
  let count = 0
  if (to !== undefined) {
    const shipped = await shippedMigrations(opts.dir)
    count = shipped.indexOf(to) + 1
    if (count === 0) throw new FBI_DB_INVALID_OPTION('baseline.to', `no shipped migration is named '${to}'`)
  }
  const status = await migrationStatus(client, opts)
  if (status.fbiHistory) return { alembicVersion: status.alembicVersion, marked: [], recorded: false }
  // node-pg-migrate's runner creates its history table; `fake` records the first `count` shipped
  // migrations without running them (count 0: the table alone, the mark that fbi now migrates).
  const marked = await runner({ ...runnerOptions(client, opts), direction: 'up', count, fake: true })
  opts.log.notice(
    `baseline recorded${status.alembicVersion === null ? '' : ` on Alembic version ${status.alembicVersion}`}`,
  )
  return { alembicVersion: status.alembicVersion, marked: marked.map((m) => m.name), recorded: true }
}

/** Converts anything the runner throws: connection errors keep their code, the rest becomes FBI_DB_MIGRATION_FAILED. */
function migrationError(err: unknown): Error {
  const code = (err as { code?: unknown } | null)?.code
  if (typeof code === 'string' && code.startsWith('FBI_DB_')) return asError(err)
  // Connection-level errors keep their code so the caller (and @fbi/errors) can tell "down" from "broken".
  if (
    typeof code === 'string' &&
    (code.startsWith('08') || code.startsWith('57P0') || code.startsWith('E'))
  ) {
    return asError(err)
  }
  return new FBI_DB_MIGRATION_FAILED(err instanceof Error ? err.message : String(err), { cause: err })
}

/** Apply (or revert) migrations on `client`, a session, under the lock. */
export async function runMigrations(client: ClientBase, opts: RunOptions): Promise<AppliedMigration[]> {
  const direction = opts.direction ?? 'up'
  try {
    return await underLock(client, opts, async () => {
      const status = await migrationStatus(client, opts)
      if (status.baselineRequired && direction === 'up') {
        if (opts.baseline === undefined || opts.baseline === false) {
          throw new FBI_DB_BASELINE_REQUIRED(status.alembicVersion ?? 'unknown')
        }
        await markBaseline(client, opts, opts.baseline === true ? undefined : opts.baseline.to)
      }
      const ran = await runner({
        ...runnerOptions(client, opts),
        direction,
        ...(opts.count === undefined ? {} : { count: opts.count }),
      })
      return ran.map((m) => ({ name: m.name, path: m.path }))
    })
  } catch (err) {
    throw migrationError(err)
  }
}

/** Record the existing schema as fbi's starting point (see MigrationsOptions.baseline), under the lock. */
export async function recordBaseline(
  client: ClientBase,
  opts: RunOptions & { to?: string },
): Promise<Baseline> {
  try {
    return await underLock(client, opts, () => markBaseline(client, opts, opts.to))
  } catch (err) {
    throw migrationError(err)
  }
}
