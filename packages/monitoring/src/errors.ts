import createError from '@fastify/error'
import { asError as asAnError } from '@fbi/config/fail-closed'

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

/**
 * Code called by @fbi/monitoring (a custom logger, a metric's collect) threw a value that is not an
 * Error. The value, described, is the error's `cause` (logged, never sent).
 */
export const FBI_MONITORING_NON_ERROR_THROWN = createError<
  'FBI_MONITORING_NON_ERROR_THROWN',
  500,
  // @fastify/error takes a trailing { cause } and sets it on the error.
  [string, { cause: string }]
>('FBI_MONITORING_NON_ERROR_THROWN', '%s threw a value that is not an Error', 500)

/** A health check did not settle within its timeout (the failed result's `output` is this message). */
export const FBI_MONITORING_HEALTH_CHECK_TIMEOUT = createError<
  'FBI_MONITORING_HEALTH_CHECK_TIMEOUT',
  500,
  [number]
>('FBI_MONITORING_HEALTH_CHECK_TIMEOUT', 'Health check timed out after %dms', 500)

/** Passed to `logDestination(...).flush(callback)` when lines could not be written since the last flush. */
export const FBI_MONITORING_LOG_LINES_DROPPED = createError<
  'FBI_MONITORING_LOG_LINES_DROPPED',
  500,
  [number]
>('FBI_MONITORING_LOG_LINES_DROPPED', '%d log lines could not be written', 500)

export { describeThrown } from '@fbi/config/fail-closed'

/** Any thrown value as an Error (FBI_MONITORING_NON_ERROR_THROWN naming `where` for a value that is not one). */
export function asError(value: unknown, where: string): Error {
  return asAnError(value, where, FBI_MONITORING_NON_ERROR_THROWN)
}
