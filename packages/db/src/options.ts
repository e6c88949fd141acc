import { COMPAT_MODES, type DbConfig, type FbiCompat, type FbiConfig, VARIABLES } from '@fbi/config'
import type { EmbeddedOptions } from './embedded.js'
import { FBI_DB_INVALID_OPTION } from './errors.js'
import { type IdentifierLayout, type IdentifierLayoutOption, resolveLayout } from './identifier-layout.js'
import type { MigrationsOptions } from './migrations.js'

/** Connection and pool settings; each one overrides the matching DATABASE_* variable. */
export interface ConnectionOptions {
  /** postgres:// URL; wins over host/port/user/password/database. Default: DATABASE_URL. */
  connectionString?: string
  /** Default: DATABASE_HOST. */
  host?: string
  /** Default: DATABASE_PORT (5432). */
  port?: number
  /** Default: DATABASE_USER. */
  user?: string
  /** Default: DATABASE_PASSWORD. */
  password?: string
  /** Default: DATABASE_NAME. */
  database?: string
  /** Maximum connections in the pool. Default: DATABASE_POOL_SIZE (10); always 1 for the embedded database. */
  poolSize?: number
  /** Time allowed to open a connection or wait for a free one, in ms. Default: DATABASE_CONNECT_TIMEOUT_MS (5000). */
  connectTimeoutMs?: number
  /** Idle time before a pooled connection is closed, in ms (0: never). Default: DATABASE_IDLE_TIMEOUT_MS (10000). */
  idleTimeoutMs?: number
  /**
   * PostgreSQL's statement_timeout, in ms (0: none); every query also ends on the client side
   * 1000 ms after it (pg's query_timeout). Default: DATABASE_STATEMENT_TIMEOUT_MS (30000).
   */
  statementTimeoutMs?: number
  /**
   * The connection goes through a transaction-mode pooler (PgBouncer `pool_mode = transaction`): no
   * start-up parameters, statement_timeout set per transaction (and expected as the role's default),
   * migrations only over `migrations.connectionString`. Default: false.
   */
  transactionPooler?: boolean
}

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

// The pool settings are DATABASE_* variables: their defaults and lower bounds are @fbi/config's,
// read from its catalogue so they are written in one place.
function variable(name: string): { default: number; minimum: number } {
  const spec = VARIABLES.find((v) => v.name === name)
  const value = Number(spec?.default)
  if (spec === undefined || !Number.isInteger(value)) {
    throw new FBI_DB_INVALID_OPTION(name, 'has no integer default in @fbi/config')
  }
  return { default: value, minimum: spec.minimum ?? 0 }
}

const POOL_VARIABLES = Object.freeze({
  poolSize: variable('DATABASE_POOL_SIZE'),
  connectTimeoutMs: variable('DATABASE_CONNECT_TIMEOUT_MS'),
  idleTimeoutMs: variable('DATABASE_IDLE_TIMEOUT_MS'),
  statementTimeoutMs: variable('DATABASE_STATEMENT_TIMEOUT_MS'),
})

type PoolKey = keyof typeof POOL_VARIABLES

/** The pool defaults (from @fbi/config's variables), used when the db variable group is off. */
export const POOL_DEFAULTS: Readonly<Record<PoolKey, number>> = Object.freeze({
  poolSize: POOL_VARIABLES.poolSize.default,
  connectTimeoutMs: POOL_VARIABLES.connectTimeoutMs.default,
  idleTimeoutMs: POOL_VARIABLES.idleTimeoutMs.default,
  statementTimeoutMs: POOL_VARIABLES.statementTimeoutMs.default,
})

/** The defaults of the options that are not DATABASE_* variables. */
export const DB_DEFAULTS = Object.freeze({
  healthCheckTimeoutMs: 2000,
  /** A query ends on the client side this long after the server's statement_timeout would have ended it. */
  queryTimeoutMarginMs: 1000,
  /** TCP keepalive on every connection, first probe after this much idle time (the OS sets the rest). */
  keepAliveInitialDelayMs: 10_000,
})

const CONNECTION_KEYS = ['connectionString', 'host', 'port', 'user', 'password', 'database'] as const

/** Where to connect and how the pool behaves, every default applied. */
export type ResolvedConnection = Readonly<
  Pick<ConnectionOptions, (typeof CONNECTION_KEYS)[number]> &
    Required<Pick<ConnectionOptions, PoolKey | 'transactionPooler'>>
>

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

function nonEmptyString(value: unknown, path: string): void {
  if (value !== undefined && (typeof value !== 'string' || value.length === 0)) {
    throw new FBI_DB_INVALID_OPTION(path, 'must be a non-empty string')
  }
}

function integer(value: unknown, path: string, min: number): void {
  if (value !== undefined && (!Number.isInteger(value) || (value as number) < min)) {
    throw new FBI_DB_INVALID_OPTION(path, `must be an integer >= ${min}`)
  }
}

function boolean(value: unknown, path: string): void {
  if (value !== undefined && typeof value !== 'boolean')
    throw new FBI_DB_INVALID_OPTION(path, 'must be a boolean')
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** Connection options checked, then merged: explicit options, else app.config.db, else the defaults. */
export function resolveConnection(opts: ConnectionOptions, db: DbConfig | undefined): ResolvedConnection {
  for (const key of ['connectionString', 'host', 'user', 'password', 'database'] as const) {
    nonEmptyString(opts[key], key)
  }
  integer(opts.port, 'port', 1)
  if (opts.port !== undefined && opts.port > 65_535)
    throw new FBI_DB_INVALID_OPTION('port', 'must be at most 65535')
  for (const key of Object.keys(POOL_VARIABLES) as PoolKey[]) {
    integer(opts[key], key, POOL_VARIABLES[key].minimum)
  }
  boolean(opts.transactionPooler, 'transactionPooler')
  // Explicit connection options replace the configured connection as a whole, so a URL from the
  // environment never mixes with a host given in code.
  const explicit = opts.connectionString !== undefined || opts.host !== undefined
  const source: ConnectionOptions = explicit
    ? opts
    : {
        ...(db?.url === undefined ? {} : { connectionString: db.url }),
        ...(db?.host === undefined ? {} : { host: db.host }),
        ...(db?.port === undefined ? {} : { port: db.port }),
        ...(db?.user === undefined ? {} : { user: db.user }),
        ...(db?.password === undefined ? {} : { password: db.password }),
        ...(db?.database === undefined ? {} : { database: db.database }),
      }
  const connection: Record<string, unknown> = {}
  for (const key of CONNECTION_KEYS) if (source[key] !== undefined) connection[key] = source[key]
  return {
    ...(connection as Pick<ConnectionOptions, (typeof CONNECTION_KEYS)[number]>),
    poolSize: opts.poolSize ?? db?.poolSize ?? POOL_DEFAULTS.poolSize,
    connectTimeoutMs: opts.connectTimeoutMs ?? db?.connectTimeoutMs ?? POOL_DEFAULTS.connectTimeoutMs,
    idleTimeoutMs: opts.idleTimeoutMs ?? db?.idleTimeoutMs ?? POOL_DEFAULTS.idleTimeoutMs,
    statementTimeoutMs: opts.statementTimeoutMs ?? db?.statementTimeoutMs ?? POOL_DEFAULTS.statementTimeoutMs,
    transactionPooler: opts.transactionPooler ?? false,
  }
}

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
    migrations,
    healthChecks,
    healthCheckTimeoutMs,
    compat: compat ?? null,
    identifierLayout,
    tableLayouts,
  }
}
