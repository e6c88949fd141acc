import { inspect } from 'node:util'
import { isError } from '@fbi/config/fail-closed'
import { FBI_SECURITY_NON_ERROR_THROWN } from './errors.js'

/*
 * What code this package does not own threw (a predicate, a logger, an option getter, fetch), made
 * safe to handle. Describing it must never throw in turn: a custom inspect function or a Proxy's
 * traps are that same code again.
 */

export { isError }

/** `value` for a log line or an error message, or a fallback text when it cannot be described. */
export function describeThrown(value: unknown): string {
  try {
    return inspect(value, { depth: 2, breakLength: Number.POSITIVE_INFINITY })
  } catch {
    return `[${typeof value} that cannot be described]`
  }
}

/** A thrown value for the log: an Error under `err` (pino's serializer), anything else described. */
export function thrownDetails(thrown: unknown): Record<string, unknown> {
  return isError(thrown) ? { err: thrown } : { thrown: describeThrown(thrown) }
}

/**
 * An Error for whatever was thrown. A falsy value (undefined, null, 0, '', false) reads as success
 * to Fastify's done() and to avvio (a plugin or an async onReady hook that rejects with it is
 * loaded), so nothing leaves this package's startup as anything but an Error.
 */
export function asError(value: unknown): Error {
  return isError(value) ? value : new FBI_SECURITY_NON_ERROR_THROWN(describeThrown(value), { cause: value })
}
