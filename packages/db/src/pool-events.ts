import type { FastifyBaseLogger } from 'fastify'
import type { Pool } from 'pg'
import { markQueryTimeout } from './db-errors.js'

/**
 * The pool's listeners: errors logged instead of crashing, query timeouts given a SQLSTATE, and the
 * first connection logged with where it goes (`target`, password masked): which database a service
 * talks to is the first thing to check when it does not answer as expected.
 */
export function watchPool(pool: Pool, log: FastifyBaseLogger, target: string): void {
  pool.once('connect', () => {
    // Inside pg-pool's connect callback: a logger that throws must not break the connection being made.
    try {
      log.info({ database: target }, `Connected to PostgreSQL at ${target}`)
    } catch {}
  })
  // @fastify/postgres adds no listener: without one an idle client's error (server restart, network
  // cut) is an unhandled 'error' event and kills the process. pg-pool removes the broken client.
  pool.on('error', (err: unknown) => {
    const { message, code } = (typeof err === 'object' && err !== null ? err : {}) as {
      message?: unknown
      code?: unknown
    }
    log.warn({ err: { message: String(message), code } }, 'database client error')
  })
  // pg-pool drops its own listener while a client is checked out; keep one so a connection lost
  // between two queries of a checked-out client fails the next query instead of the process.
  pool.on('connect', (client) => {
    client.on('error', () => {})
  })
  // pool.query releases its client with the error before its caller sees it: the moment to give
  // pg's code-less query timeout the SQLSTATE that @fbi/errors answers 503 to (db-errors.ts).
  pool.on('release', (err: unknown) => {
    if (err) markQueryTimeout(err)
  })
}
