import createError from '@fastify/error'

/** A plugin option has the wrong type or value; raised while the plugin registers. */
export const FBI_MONITORING_INVALID_OPTION = createError<
  'FBI_MONITORING_INVALID_OPTION',
  500,
  [string, string]
>('FBI_MONITORING_INVALID_OPTION', "Invalid @fbi/monitoring option '%s': %s", 500, TypeError)

/** `app.addHealthCheck` was called with a bad name, function or timeout. */
export const FBI_MONITORING_INVALID_HEALTH_CHECK = createError<
  'FBI_MONITORING_INVALID_HEALTH_CHECK',
  500,
  [string, string]
>('FBI_MONITORING_INVALID_HEALTH_CHECK', "Invalid health check '%s': %s", 500, TypeError)

/** Two health checks were registered under one name. */
export const FBI_MONITORING_DUPLICATE_HEALTH_CHECK = createError<
  'FBI_MONITORING_DUPLICATE_HEALTH_CHECK',
  500,
  [string]
>('FBI_MONITORING_DUPLICATE_HEALTH_CHECK', "A health check named '%s' is already registered", 500)

/** A route's `config.deprecated` is malformed (bad date, or `supersededBy` not "METHOD /path"). */
export const FBI_MONITORING_INVALID_DEPRECATION = createError<
  'FBI_MONITORING_INVALID_DEPRECATION',
  500,
  [string, string, string]
>('FBI_MONITORING_INVALID_DEPRECATION', 'Invalid config.deprecated on route %s %s: %s', 500, TypeError)
