import type { DbConfig } from '@fbi/config'
import type { ClientConfig, PoolConfig } from 'pg'
import { type ConnectionOptions, type ResolvedConnection, resolveConnection } from './connection-options.js'
import { DB_DEFAULTS } from './defaults.js'
import { utcTypes } from './utc-timestamps.js'

/** What a connection to the server needs, without the pool's settings. */
export function clientConfig(c: ResolvedConnection): ClientConfig {
  const config: ClientConfig = {
    connectionTimeoutMillis: c.connectTimeoutMs,
    keepAlive: true,
    keepAliveInitialDelayMillis: DB_DEFAULTS.keepAliveInitialDelayMs,
    types: utcTypes(),
  }
  if (c.connectionString !== undefined) {
    config.connectionString = c.connectionString
  } else {
    if (c.host !== undefined) config.host = c.host
    if (c.port !== undefined) config.port = c.port
    if (c.user !== undefined) config.user = c.user
    if (c.password !== undefined) config.password = c.password
    if (c.database !== undefined) config.database = c.database
  }
  return config
}

/** The pg.Pool settings of a resolved connection. */
export function poolConfig(c: ResolvedConnection): PoolConfig {
  const config: PoolConfig = {
    ...clientConfig(c),
    max: c.poolSize,
    idleTimeoutMillis: c.idleTimeoutMs,
  }
  if (c.maxLifetimeSeconds > 0) config.maxLifetimeSeconds = c.maxLifetimeSeconds
  if (c.statementTimeoutMs > 0) {
    // A database that stops answering (paused VM, stalled storage) keeps the TCP connection open:
    // without a bound on the client side a query would wait for the OS (hours). pg errors it and
    // pg-pool destroys the connection; the server's own timeout answers first when it can.
    config.query_timeout = c.statementTimeoutMs + DB_DEFAULTS.queryTimeoutMarginMs
    // A transaction pooler refuses start-up parameters it does not know (PgBouncer: 08P01
    // "unsupported startup parameter"), and would not keep a session's setting anyway: there the
    // timeout is set per transaction (transaction.ts) and expected as the role's default.
    if (!c.transactionPooler) config.statement_timeout = c.statementTimeoutMs
  }
  return config
}

/** The pg.Pool settings: explicit options first, then app.config.db, then the defaults. */
export function buildPoolConfig(opts: ConnectionOptions, db: DbConfig | undefined): PoolConfig {
  return poolConfig(resolveConnection(opts, db))
}
