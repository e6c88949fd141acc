/** The defaults of the options that are not DATABASE_* variables. */
export const DB_DEFAULTS = Object.freeze({
  healthCheckTimeoutMs: 2000,
  /** A query ends on the client side this long after the server's statement_timeout would have ended it. */
  queryTimeoutMarginMs: 1000,
  /** TCP keepalive on every connection, first probe after this much idle time (the OS sets the rest). */
  keepAliveInitialDelayMs: 10_000,
  /** Below this Fastify pluginTimeout, starting the embedded database warns: its first start can take longer. */
  embeddedStartBudgetMs: 60_000,
})
