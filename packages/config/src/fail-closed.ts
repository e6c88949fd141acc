import type { FastifyPluginAsync, FastifyPluginOptions } from 'fastify'

/*
 * What every battery needs to fail closed around code it does not own (option getters, custom
 * loggers, health checks, schema keywords): Fastify's `done(undefined)` and avvio's plugin loader
 * read a falsy throw (undefined, null, 0, '', false) as success, so nothing may leave a battery as
 * anything but an Error. Written once here, the package every battery but @fbi/errors depends on
 * (@fbi/errors keeps a copy: it depends on no other battery).
 */

/** A battery's coded error for a thrown value that is not an Error: `where` it was thrown, the value described. */
export type NonErrorThrown = new (where: string, options: { cause: string }) => Error

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
export function isError(value: unknown): value is Error {
  try {
    return value instanceof Error
  } catch {
    return false
  }
}

/** Any thrown value as an Error: Errors as they are, anything else as `NonError` naming `where`. */
export function asError(value: unknown, where: string, NonError: NonErrorThrown): Error {
  return isError(value) ? value : new NonError(where, { cause: describeThrown(value) })
}

/**
 * `plugin`, rejecting only with Errors: avvio reads a plugin that rejects with a falsy value as
 * loaded, so an option getter or a custom logger throwing one would start the app with the plugin
 * half-registered. `toError` turns what was thrown into the battery's own Error (usually through
 * `asError`); it must not throw.
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
