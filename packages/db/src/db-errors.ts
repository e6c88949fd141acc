import { FBI_DB_NOT_AN_ERROR } from './errors.js'

interface Coded {
  code?: unknown
  message?: unknown
}

function fieldsOf(err: unknown): Coded {
  return typeof err === 'object' && err !== null ? (err as Coded) : {}
}

/**
 * pg's client-side `query_timeout` fires with a plain Error of this message and no code
 * (pg/lib/client.js): the only way to recognise it, so it is matched here and nowhere else.
 */
const QUERY_TIMEOUT_MESSAGE = 'Query read timeout'

/** SQLSTATE class 08 (connection exception): what the server or a pooler (PgBouncer: 08P01) says when the link fails. */
export const CONNECTION_FAILURE = '08006'

/** Whether `err` is pg's client-side query timeout (the database did not answer in time). */
export function isQueryTimeout(err: unknown): boolean {
  const { code, message } = fieldsOf(err)
  return code === undefined && message === QUERY_TIMEOUT_MESSAGE
}

/**
 * Gives pg's code-less query timeout the SQLSTATE of a failed connection, which it is (pg-pool
 * destroys the connection it timed out on), so @fbi/errors answers 503 as for any unreachable
 * database instead of 500. Called from pg-pool's public `release` event, which runs before the
 * caller of `pool.query` sees the error, and from this package's own helpers.
 */
export function markQueryTimeout(err: unknown): void {
  if (isQueryTimeout(err)) (err as Coded).code = CONNECTION_FAILURE
}

/** Whether the connection that raised `err` can still be used (a ROLLBACK on it would be answered). */
export function connectionLost(err: unknown): boolean {
  if (isQueryTimeout(err)) return true
  const { code, message } = fieldsOf(err)
  if (typeof code === 'string')
    return code.startsWith('08') || code.startsWith('57P0') || code.startsWith('E')
  return typeof message === 'string' && message.startsWith('Connection terminated')
}

/** A health check's reason: the code only, or a fixed phrase (driver messages can carry host and user names). */
export function reasonOf(err: unknown): string {
  const { code, message } = fieldsOf(err)
  if (typeof code === 'string') return code
  if (typeof message === 'string') {
    // pg-pool's two connect timeouts (opening a connection, waiting for a free one) first.
    if (message === 'Connection terminated due to connection timeout') return 'connect timeout'
    if (message.startsWith('timeout exceeded when trying to connect')) return 'connect timeout'
    if (message.startsWith('Connection terminated')) return 'connection terminated'
  }
  return 'connection error'
}

/**
 * `value` if it is an Error, else an FBI_DB_NOT_AN_ERROR carrying it. A rejection with undefined,
 * null, 0 or '' reads as success to callback APIs (Fastify's done(), avvio's plugin loader), so
 * nothing this package rejects with may be falsy.
 */
export function asError(value: unknown): Error {
  if (value instanceof Error) return value
  let shown: string
  try {
    shown = typeof value === 'string' ? JSON.stringify(value) : String(value)
  } catch {
    shown = typeof value
  }
  return new FBI_DB_NOT_AN_ERROR(shown, { cause: value })
}
