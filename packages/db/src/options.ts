import { COMPAT_MODES, type FbiCompat, type FbiConfig } from '@fbi/config'
import { type ConnectionOptions, type ResolvedConnection, resolveConnection } from './connection-options.js'
import { DB_DEFAULTS } from './defaults.js'
import type { EmbeddedOptions } from './embedded.js'
import { FBI_DB_INVALID_OPTION } from './errors.js'
import { type IdentifierLayout, type IdentifierLayoutOption, resolveLayout } from './identifier-layout.js'
import type { MigrationsOptions } from './migrations.js'
import { boolean, integer, isObject, nonEmptyString } from './option-checks.js'

export interface FbiDbOptions extends ConnectionOptions {
  /**
   * The embedded PostgreSQL (PGlite) started when no database is configured outside production;
   * `false` makes a missing database a startup error everywhere. Default: {} (in memory).
   */
  embedded?: false | EmbeddedOptions
  /** node-pg-migrate migrations: directory, table, lock wait, direct connection, baseline, run at start-up. Default: undefined (none). */
  migrations?: MigrationsOptions
  /** Register the database health checks when @fbi/monitoring is present. Default: true. */
  healthChecks?: boolean
  /** Time allowed to each database health check, in ms. Default: 2000. */
  healthCheckTimeoutMs?: number
  /** Answer as Flask Batteries Included did ('flask'), or not (false). Default: `app.config.compat`. */
  compat?: FbiCompat | false
  /** The identifier columns of every table: 'fbi', 'flask' (the original's) or your own. Default: 'flask' with compat 'flask', else 'fbi'. */
  identifierLayout?: IdentifierLayoutOption
  /** Per-table layouts, keyed by table name ("schema.name" for a qualified one); they win over `identifierLayout`. Default: {}. */
  tableLayouts?: Readonly<Record<string, IdentifierLayoutOption>>
}

/** The plugin's options, checked, with every default applied. */
export type ResolvedDbOptions = ResolvedConnection &
  Readonly<
    Required<Pick<FbiDbOptions, 'embedded' | 'healthChecks' | 'healthCheckTimeoutMs'>> &
      Pick<FbiDbOptions, 'migrations'> & {
        /** Whether the options or the configuration name a database server (else: embedded). */
        configured: boolean
        compat: FbiCompat | null
        identifierLayout: IdentifierLayout
        tableLayouts: ReadonlyMap<string, IdentifierLayout>
      }
  >

function checkMigrations(m: unknown): asserts m is MigrationsOptions {
  if (!isObject(m)) throw new FBI_DB_INVALID_OPTION('migrations', 'must be an object')
  if (typeof m.dir !== 'string' || m.dir.length === 0) {
    throw new FBI_DB_INVALID_OPTION('migrations.dir', 'must be a non-empty string')
  }
  nonEmptyString(m.table, 'migrations.table')
  nonEmptyString(m.schema, 'migrations.schema')
  nonEmptyString(m.connectionString, 'migrations.connectionString')
  boolean(m.migrateOnStart, 'migrations.migrateOnStart')
  integer(m.lockTimeoutMs, 'migrations.lockTimeoutMs', 0)
  const { baseline } = m
  if (
    baseline !== undefined &&
    typeof baseline !== 'boolean' &&
    !(isObject(baseline) && typeof baseline.to === 'string' && baseline.to.length > 0)
  ) {
    throw new FBI_DB_INVALID_OPTION('migrations.baseline', 'must be a boolean or { to: <migration name> }')
  }
}

/** Every option checked (a wrong one is a rejected ready() naming it) and every default applied. */
export function resolveDbOptions(opts: FbiDbOptions, config: FbiConfig): ResolvedDbOptions {
  const connection = resolveConnection(opts, config.db)
  const { embedded = {}, migrations, healthChecks = true } = opts
  const healthCheckTimeoutMs = opts.healthCheckTimeoutMs ?? DB_DEFAULTS.healthCheckTimeoutMs
  if (embedded !== false && !isObject(embedded)) {
    throw new FBI_DB_INVALID_OPTION('embedded', 'must be false or { dataDir?: string }')
  }
  if (embedded !== false) nonEmptyString(embedded.dataDir, 'embedded.dataDir')
  if (migrations !== undefined) checkMigrations(migrations)
  boolean(healthChecks, 'healthChecks')
  integer(healthCheckTimeoutMs, 'healthCheckTimeoutMs', 1)
  if (opts.compat !== undefined && opts.compat !== false && !COMPAT_MODES.includes(opts.compat)) {
    throw new FBI_DB_INVALID_OPTION('compat', `must be false or one of: ${COMPAT_MODES.join(', ')}`)
  }
  const compat = opts.compat === undefined ? config.compat : opts.compat || null
  const identifierLayout = resolveLayout(
    opts.identifierLayout ?? (compat === 'flask' ? 'flask' : 'fbi'),
    'identifierLayout',
  )
  if (opts.tableLayouts !== undefined && !isObject(opts.tableLayouts)) {
    throw new FBI_DB_INVALID_OPTION('tableLayouts', 'must be an object of layouts by table name')
  }
  const tableLayouts = new Map(
    Object.entries(opts.tableLayouts ?? {}).map(([table, layout]) => [
      table,
      resolveLayout(layout, `tableLayouts.${table}`),
    ]),
  )
  return {
    ...connection,
    configured:
      opts.connectionString !== undefined || opts.host !== undefined || config.db?.configured === true,
    embedded,
    // DATABASE_MIGRATIONS_URL is the default direct connection for migrations.
    migrations:
      migrations === undefined
        ? undefined
        : { ...migrations, connectionString: migrations.connectionString ?? config.db?.migrationsUrl },
    healthChecks,
    healthCheckTimeoutMs,
    compat: compat ?? null,
    identifierLayout,
    tableLayouts,
  }
}
