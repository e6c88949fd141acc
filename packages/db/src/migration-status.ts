import type { ClientBase } from 'pg'
import { shippedMigrations } from './migration-files.js'

/** Where fbi's migration history is kept. Defaults: node-pg-migrate's own. */
export const DEFAULT_MIGRATIONS_TABLE = 'pgmigrations'
export const DEFAULT_MIGRATIONS_SCHEMA = 'public'

export interface MigrationStatus {
  /** Names of the applied migrations, in order. */
  readonly applied: readonly string[]
  /** Names of the shipped migration files not applied yet, in order. */
  readonly pending: readonly string[]
  /** The last applied migration, or null. */
  readonly current: string | null
  /** The newest migration file shipped, or null when the directory is empty (or none is configured). */
  readonly newest: string | null
  /** Whether fbi's migrations table exists (after a migration or a baseline). */
  readonly fbiHistory: boolean
  /** The version in Alembic's `alembic_version` table (a database a Flask service migrated), or null. */
  readonly alembicVersion: string | null
  /** An Alembic database with no fbi history and pending migrations: they run only after a baseline. */
  readonly baselineRequired: boolean
}

/** Where to look: the migrations table, and the directory of shipped files when there is one. */
export interface HistoryLocation {
  dir?: string
  table?: string
  schema?: string
}

/** Applied, pending and Alembic's version, read on `client` (a pooled client will do: plain SELECTs). */
export async function migrationStatus(client: ClientBase, opts: HistoryLocation): Promise<MigrationStatus> {
  const shipped = opts.dir === undefined ? [] : await shippedMigrations(opts.dir)
  const qualified = `${client.escapeIdentifier(opts.schema ?? DEFAULT_MIGRATIONS_SCHEMA)}.${client.escapeIdentifier(
    opts.table ?? DEFAULT_MIGRATIONS_TABLE,
  )}`
  const tables = await client.query<{ fbi: string | null; alembic: string | null }>(
    "SELECT to_regclass($1)::text AS fbi, to_regclass('alembic_version')::text AS alembic",
    [qualified],
  )
  const fbiHistory = tables.rows[0]?.fbi != null
  const applied = fbiHistory
    ? (await client.query<{ name: string }>(`SELECT name FROM ${qualified} ORDER BY run_on, id`)).rows.map(
        (r) => r.name,
      )
    : []
  // Alembic keeps one row (one per branch head; services have one).
  const alembicVersion =
    tables.rows[0]?.alembic == null
      ? null
      : ((await client.query<{ v: string }>('SELECT version_num AS v FROM alembic_version LIMIT 1')).rows[0]
          ?.v ?? null)
  const done = new Set(applied)
  const pending = shipped.filter((name) => !done.has(name))
  return {
    applied,
    pending,
    current: applied.at(-1) ?? null,
    newest: shipped.at(-1) ?? null,
    fbiHistory,
    alembicVersion,
    baselineRequired: alembicVersion !== null && !fbiHistory && pending.length > 0,
  }
}
