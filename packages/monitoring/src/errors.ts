import createError from '@fastify/error'
import type { FastifyPluginAsync, FastifyPluginOptions } from 'fastify'

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

/** Best-effort text for any thrown value; never throws itself (a getter, toString or proxy trap may). */
export function describeThrown(value: unknown): string {
  try {
    if (value instanceof Error) return String(value.message)
    if (typeof value === 'string') return value
    return String(value)
  } catch {
    try {
      return Object.prototype.toString.call(value)
    } catch {
      // A proxy whose Symbol.toStringTag trap throws: its type is all that can be said.
      return typeof value
    }
  }
}

/** Whether `value` is an Error; false for a proxy whose prototype trap throws (it is not one of ours to trust). */
function isError(value: unknown): value is Error {
  try {
    return value instanceof Error
  } catch {
    return false
  }
}

/**
 * Any thrown value as an Error, so a throw can never be passed on as a falsy "no error" (Fastify's
 * `done(undefined)` and avvio's plugin loader read it as success): Errors as they are, anything
 * else wrapped.
 */
export function asError(value: unknown, where: string): Error {
  if (isError(value)) return value
  return new FBI_MONITORING_NON_ERROR_THROWN(where, { cause: describeThrown(value) })
}

/**
 * `plugin`, rejecting only with Errors: avvio reads a plugin that rejects with a falsy value
 * (undefined, null, 0, '') as loaded, so an option getter or a custom logger throwing one would
 * start the app with the plugin half-registered.
 */
export function failClosed<Options extends FastifyPluginOptions>(
  plugin: FastifyPluginAsync<Options>,
  where: string,
): FastifyPluginAsync<Options> {
  return async function failingClosed(fastify, opts) {
    try {
      await plugin(fastify, opts)
    } catch (error) {
      throw asError(error, where)
    }
  }
}
