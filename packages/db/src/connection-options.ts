import type { DbConfig } from '@fbi/config'
import { VARIABLES } from '@fbi/config'
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
  /**
   * The connection goes through a transaction-mode pooler (PgBouncer `pool_mode = transaction`): no
   * start-up parameters, statement_timeout set per transaction (and expected as the role's default),
   * migrations only over `migrations.connectionString`. Default: false.
   */
  transactionPooler?: boolean
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
  for (const key of Object.keys(POOL_VARIABLES) as PoolKey[]) {
    integer(opts[key], key, POOL_VARIABLES[key].minimum)
  }
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
    poolSize: opts.poolSize ?? db?.poolSize ?? POOL_DEFAULTS.poolSize,
    connectTimeoutMs: opts.connectTimeoutMs ?? db?.connectTimeoutMs ?? POOL_DEFAULTS.connectTimeoutMs,
    idleTimeoutMs: opts.idleTimeoutMs ?? db?.idleTimeoutMs ?? POOL_DEFAULTS.idleTimeoutMs,
    statementTimeoutMs: opts.statementTimeoutMs ?? db?.statementTimeoutMs ?? POOL_DEFAULTS.statementTimeoutMs,
    transactionPooler: opts.transactionPooler ?? false,
  }
}
