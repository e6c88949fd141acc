import type { FastifyPluginAsync, FastifyPluginOptions } from 'fastify'
import { FBI_ERRORS_NON_ERROR_THROWN } from './errors.js'

// The same as @fbi/config/fail-closed, kept here on purpose: @fbi/errors depends on no other battery,
// so that a service can take its error handling alone. A change there belongs here too.

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

/** Whether `value` is an Error; false for a proxy whose prototype trap throws. */
function isError(value: unknown): value is Error {
  try {
    return value instanceof Error
  } catch {
    return false
  }
}

/**
 * Any thrown value as an Error: Fastify's `done(undefined)` and avvio's plugin loader read a falsy
 * one (undefined, null, 0, '', false) as success. Errors as they are, anything else wrapped.
 */
export function asError(value: unknown, where: string): Error {
  if (isError(value)) return value
  return new FBI_ERRORS_NON_ERROR_THROWN(where, { cause: describeThrown(value) })
}

/**
 * `plugin`, rejecting only with Errors: avvio reads a plugin that rejects with a falsy value
 * (undefined, null, 0, '') as loaded, so an option getter or a custom logger throwing one would
 * start the app with the plugin half-registered.
 */
export function failClosed<Options extends FastifyPluginOptions>(
  plugin: FastifyPluginAsync<Options>,
  toError: (thrown: unknown) => Error,
): FastifyPluginAsync<Options> {
  return async function failingClosed(fastify, opts) {
    try {
      await plugin(fastify, opts)
    } catch (thrown) {
      throw toError(thrown)
    }
  }
}
