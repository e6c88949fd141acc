import { readdir } from 'node:fs/promises'
import { basename, extname, resolve } from 'node:path'
import { Migration, runner } from 'node-pg-migrate'
import type { ClientBase } from 'pg'
import { FBI_DB_MIGRATION_FAILED, FBI_DB_MIGRATION_LOCKED } from './errors.js'

/** Where the migrations live and how they run. */
export interface MigrationsOptions {
  /** Directory of node-pg-migrate migration files (.js, .cjs, .mjs or .sql), resolved from the working directory. */
  dir: string
  /** Run pending migrations in `onReady`-time plugin start-up. Default: false. */
  migrateOnStart?: boolean
  /** Table that records the applied migrations. Default: 'pgmigrations' (node-pg-migrate's own default). */
  table?: string
  /** Schema of that table. Default: 'public' (node-pg-migrate's default). */
  schema?: string
  /** How long to keep retrying while another instance holds the migration lock. Default: 30000. */
  lockTimeoutMs?: number
}

export interface MigrateRunOptions {
  /** Default: 'up'. */
  direction?: 'up' | 'down'
  /** How many migrations to run. Default: all pending for 'up', 1 for 'down'. */
  count?: number
}

/** A migration that was applied (or reverted) by a run. */
export interface AppliedMigration {
  readonly name: string
  readonly path: string
}

export interface MigrationStatus {
  /** Names of the applied migrations, in order. */
  readonly applied: readonly string[]
  /** Names of the shipped migration files not applied yet, in order. */
  readonly pending: readonly string[]
  /** The last applied migration, or null. */
  readonly current: string | null
  /** The newest migration file shipped, or null when the directory is empty. */
  readonly newest: string | null
}

interface Log {
  info(msg: string): void
  warn(msg: string): void
  error(msg: string): void
  debug(msg: string): void
}

export const DEFAULT_MIGRATIONS_TABLE = 'pgmigrations'
export const DEFAULT_MIGRATIONS_SCHEMA = 'public'
export const DEFAULT_LOCK_TIMEOUT_MS = 30_000

// node-pg-migrate's lock is pg_try_advisory_lock: a second runner fails at once with this message
// instead of waiting. We keep its lock (one well-known key, released with the session) and only
// retry, so two instances starting together apply each migration exactly once.
const LOCK_BUSY_MESSAGE = 'Another migration is already running'

const sleep = (ms: number) => new Promise<void>((done) => setTimeout(done, ms))

export async function runMigrations(
  client: ClientBase,
  opts: MigrationsOptions & MigrateRunOptions & { log: Log },
): Promise<AppliedMigration[]> {
  const { direction = 'up', table = DEFAULT_MIGRATIONS_TABLE, lockTimeoutMs = DEFAULT_LOCK_TIMEOUT_MS } = opts
  const deadline = Date.now() + lockTimeoutMs
  for (;;) {
    try {
      const ran = await runner({
        dbClient: client,
        dir: resolve(opts.dir),
        migrationsTable: table,
        migrationsSchema: opts.schema ?? DEFAULT_MIGRATIONS_SCHEMA,
        direction,
        ...(opts.count === undefined ? {} : { count: opts.count }),
        checkOrder: true,
        logger: { debug: opts.log.debug, info: opts.log.info, warn: opts.log.warn, error: opts.log.error },
      })
      return ran.map((m) => ({ name: m.name, path: m.path }))
    } catch (err) {
      if (err instanceof Error && err.message === LOCK_BUSY_MESSAGE) {
        if (Date.now() >= deadline) throw new FBI_DB_MIGRATION_LOCKED(lockTimeoutMs)
        opts.log.info('another instance holds the migration lock; waiting')
        await sleep(100 + Math.floor(Math.random() * 150))
        continue
      }
      // Connection-level errors keep their code so the caller (and @fbi/errors) can tell "down" from "broken".
      if (isConnectionError(err)) throw err
      throw new FBI_DB_MIGRATION_FAILED(err instanceof Error ? err.message : String(err), { cause: err })
    }
  }
}

/**
 * The shipped migration names (file names without extension) in the order node-pg-migrate runs
 * them: numeric prefix (13-digit ms or 17-digit UTC timestamp), then natural name order; files
 * starting with "." are ignored, as node-pg-migrate does by default.
 */
export async function shippedMigrations(dir: string): Promise<string[]> {
  const entries = await readdir(resolve(dir), { withFileTypes: true })
  return entries
    .filter((e) => (e.isFile() || e.isSymbolicLink()) && !e.name.startsWith('.'))
    .map((e) => e.name)
    .sort(
      (a, b) =>
        numericPrefix(a) - numericPrefix(b) ||
        a.localeCompare(b, undefined, {
          usage: 'sort',
          numeric: true,
          sensitivity: 'variant',
          ignorePunctuation: true,
        }),
    )
    .map((name) => basename(name, extname(name)))
}

function numericPrefix(fileName: string): number {
  const prefix = fileName.split('_')[0] ?? ''
  if (/^\d{17}$/.test(prefix)) {
    const iso = `${prefix.slice(0, 4)}-${prefix.slice(4, 6)}-${prefix.slice(6, 8)}T${prefix.slice(8, 10)}:${prefix.slice(10, 12)}:${prefix.slice(12, 14)}.${prefix.slice(14, 17)}Z`
    return new Date(iso).valueOf()
  }
  return Number(prefix) || 0
}

export async function migrationStatus(
  client: ClientBase,
  opts: Pick<MigrationsOptions, 'dir' | 'table' | 'schema'>,
): Promise<MigrationStatus> {
  const shipped = await shippedMigrations(opts.dir)
  const qualified = `${client.escapeIdentifier(opts.schema ?? DEFAULT_MIGRATIONS_SCHEMA)}.${client.escapeIdentifier(
    opts.table ?? DEFAULT_MIGRATIONS_TABLE,
  )}`
  const exists = await client.query<{ t: string | null }>('SELECT to_regclass($1)::text AS t', [qualified])
  const applied =
    exists.rows[0]?.t == null
      ? []
      : (await client.query<{ name: string }>(`SELECT name FROM ${qualified} ORDER BY run_on, id`)).rows.map(
          (r) => r.name,
        )
  const done = new Set(applied)
  return {
    applied,
    pending: shipped.filter((name) => !done.has(name)),
    current: applied.at(-1) ?? null,
    newest: shipped.at(-1) ?? null,
  }
}

/** Create a new, empty migration file and return its path. */
export async function createMigration(
  dir: string,
  name: string,
  language: 'js' | 'sql' = 'js',
): Promise<string> {
  return Migration.create(name, resolve(dir), { language })
}

function isConnectionError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code
  if (typeof code !== 'string') return false
  return code.startsWith('08') || code.startsWith('57P0') || code.startsWith('E')
}
