import type { DbConfig } from '@fbi/config'
import type { PoolConfig } from 'pg'
import { FBI_DB_INVALID_OPTION } from './errors.js'

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
  /** Server-side statement_timeout, in ms (0: none). Default: DATABASE_STATEMENT_TIMEOUT_MS (30000). */
  statementTimeoutMs?: number
}

export const POOL_DEFAULTS = {
  poolSize: 10,
  connectTimeoutMs: 5000,
  idleTimeoutMs: 10_000,
  statementTimeoutMs: 30_000,
} as const

export function validateConnectionOptions(opts: ConnectionOptions): void {
  const strings = ['connectionString', 'host', 'user', 'password', 'database'] as const
  for (const key of strings) {
    const value = opts[key]
    if (value !== undefined && (typeof value !== 'string' || value.length === 0)) {
      throw new FBI_DB_INVALID_OPTION(key, 'must be a non-empty string')
    }
  }
  const integers = [
    ['port', 1],
    ['poolSize', 1],
    ['connectTimeoutMs', 1],
    ['idleTimeoutMs', 0],
    ['statementTimeoutMs', 0],
  ] as const
  for (const [key, min] of integers) {
    const value = opts[key]
    if (value !== undefined && (!Number.isInteger(value) || value < min)) {
      throw new FBI_DB_INVALID_OPTION(key, `must be an integer >= ${min}`)
    }
  }
  if (opts.port !== undefined && opts.port > 65_535)
    throw new FBI_DB_INVALID_OPTION('port', 'must be at most 65535')
}

/** Whether the options or the configuration name a database server. */
export function isConfigured(opts: ConnectionOptions, db: DbConfig | undefined): boolean {
  return opts.connectionString !== undefined || opts.host !== undefined || db?.configured === true
}

/** The pg.Pool settings: explicit options first, then app.config.db, then the defaults. */
export function buildPoolConfig(opts: ConnectionOptions, db: DbConfig | undefined): PoolConfig {
  const statementTimeoutMs =
    opts.statementTimeoutMs ?? db?.statementTimeoutMs ?? POOL_DEFAULTS.statementTimeoutMs
  const config: PoolConfig = {
    max: opts.poolSize ?? db?.poolSize ?? POOL_DEFAULTS.poolSize,
    connectionTimeoutMillis: opts.connectTimeoutMs ?? db?.connectTimeoutMs ?? POOL_DEFAULTS.connectTimeoutMs,
    idleTimeoutMillis: opts.idleTimeoutMs ?? db?.idleTimeoutMs ?? POOL_DEFAULTS.idleTimeoutMs,
    keepAlive: true,
  }
  if (statementTimeoutMs > 0) config.statement_timeout = statementTimeoutMs
  // Explicit connection options replace the configured connection as a whole, so a URL from the
  // environment never mixes with a host given in code.
  const explicit = opts.connectionString !== undefined || opts.host !== undefined
  const source = explicit
    ? opts
    : {
        connectionString: db?.url,
        host: db?.host,
        port: db?.port,
        user: db?.user,
        password: db?.password,
        database: db?.database,
      }
  if (source.connectionString !== undefined) {
    config.connectionString = source.connectionString
  } else {
    if (source.host !== undefined) config.host = source.host
    if (source.port !== undefined) config.port = source.port
    if (source.user !== undefined) config.user = source.user
    if (source.password !== undefined) config.password = source.password
    if (source.database !== undefined) config.database = source.database
  }
  return config
}
