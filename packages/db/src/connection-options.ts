import { DB_POOL_SETTINGS, type DbConfig } from '@fbi/config'
import { FBI_DB_INVALID_OPTION } from './errors.js'
import { boolean, integer, nonEmptyString } from './option-checks.js'

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
  /** A pooled connection older than this many seconds is closed and replaced (0: never). Default: DATABASE_MAX_LIFETIME_SECONDS (0). */
  maxLifetimeSeconds?: number
  /**
   * The connection goes through a transaction-mode pooler (PgBouncer `pool_mode = transaction`): no
   * start-up parameters, statement_timeout set per transaction (and expected as the role's default),
   * migrations only over `migrations.connectionString`. Default: DATABASE_TRANSACTION_POOLER (false).
   */
  transactionPooler?: boolean
}

// The pool settings are DATABASE_* variables: their defaults and lower bounds are @fbi/config's
// (DB_POOL_SETTINGS, read from its catalogue), so they are written in one place.
type PoolKey = keyof typeof DB_POOL_SETTINGS
const POOL_KEYS = Object.keys(DB_POOL_SETTINGS) as PoolKey[]

/** Where to connect and how the pool behaves, every default applied. */
export type ResolvedConnection = Readonly<
  Pick<ConnectionOptions, 'connectionString' | 'host' | 'port' | 'user' | 'password' | 'database'> &
    Required<Pick<ConnectionOptions, PoolKey | 'transactionPooler'>>
>

/** Connection options checked, then merged: explicit options, else app.config.db, else the defaults. */
export function resolveConnection(opts: ConnectionOptions, db: DbConfig | undefined): ResolvedConnection {
  for (const key of ['connectionString', 'host', 'user', 'password', 'database'] as const) {
    nonEmptyString(opts[key], key)
  }
  integer(opts.port, 'port', 1)
  if (opts.port !== undefined && opts.port > 65_535)
    throw new FBI_DB_INVALID_OPTION('port', 'must be at most 65535')
  for (const key of POOL_KEYS) integer(opts[key], key, DB_POOL_SETTINGS[key].minimum)
  boolean(opts.transactionPooler, 'transactionPooler')
  // Explicit connection options replace the configured connection as a whole, so a URL from the
  // environment never mixes with a host given in code.
  const explicit = opts.connectionString !== undefined || opts.host !== undefined
  const from = explicit
    ? opts
    : {
        connectionString: db?.url,
        host: db?.host,
        port: db?.port,
        user: db?.user,
        password: db?.password,
        database: db?.database,
      }
  const { connectionString, host, port, user, password, database } = from
  return {
    ...(connectionString === undefined ? {} : { connectionString }),
    ...(host === undefined ? {} : { host }),
    ...(port === undefined ? {} : { port }),
    ...(user === undefined ? {} : { user }),
    ...(password === undefined ? {} : { password }),
    ...(database === undefined ? {} : { database }),
    ...poolSettings(opts, db),
    transactionPooler: opts.transactionPooler ?? db?.transactionPooler ?? false,
  }
}

/** Each pool setting: the explicit option, else app.config.db's, else @fbi/config's default. */
function poolSettings(opts: ConnectionOptions, db: DbConfig | undefined): Record<PoolKey, number> {
  const settings = {} as Record<PoolKey, number>
  for (const key of POOL_KEYS) settings[key] = opts[key] ?? db?.[key] ?? DB_POOL_SETTINGS[key].default
  return settings
}
