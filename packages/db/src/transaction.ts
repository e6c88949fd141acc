import type { Pool, PoolClient, QueryConfig, QueryResult, QueryResultRow } from 'pg'
import { asError, connectionLost, markQueryTimeout } from './db-errors.js'

/** Anything that runs a parameterised query: the pool, a checked-out client, a transaction's client. */
export interface Queryable {
  query<R extends QueryResultRow = QueryResultRow>(config: QueryConfig): Promise<QueryResult<R>>
}

/**
 * The statement that opens a transaction. Behind a transaction pooler a session's statement_timeout
 * cannot be set (no start-up parameter, and a session SET would land on whichever server
 * connection the pooler picks), so the timeout is set for the transaction itself, in the same round
 * trip as BEGIN: SET LOCAL lasts exactly as long as the transaction, which the pooler keeps on one
 * server connection.
 */
export function beginStatement(statementTimeoutMs: number | undefined): string {
  if (statementTimeoutMs === undefined) return 'BEGIN'
  return `BEGIN; SET LOCAL statement_timeout = ${Math.trunc(statementTimeoutMs)}`
}

/**
 * BEGIN, run `fn` with the client, COMMIT; on anything thrown (by `fn`, BEGIN or COMMIT, whatever its
 * value) ROLLBACK and reject with it (a value that is not an Error wrapped in FBI_DB_NOT_AN_ERROR).
 * The client always goes back to the pool, and is destroyed instead when its connection is lost or
 * timed out (no ROLLBACK is sent on it: it would only wait out another timeout) or when ROLLBACK
 * itself failed.
 *
 * Written here rather than using @fastify/postgres' `transact`: `transact` COMMITs when `fn` rejects
 * with a falsy value (undefined, null, 0, ''), settles before its ROLLBACK has run, sends ROLLBACK on
 * a connection that just timed out, and opens with a bare BEGIN (no SET LOCAL for poolers).
 */
export async function transaction<T>(
  pool: Pool,
  fn: (client: PoolClient) => Promise<T>,
  opts: { begin: string },
): Promise<T> {
  const client = await pool.connect()
  let destroy = false
  try {
    await client.query(opts.begin)
    const result = await fn(client)
    await client.query('COMMIT')
    return result
  } catch (err) {
    markQueryTimeout(err)
    if (connectionLost(err)) {
      destroy = true
    } else {
      try {
        await client.query('ROLLBACK')
      } catch {
        destroy = true
      }
    }
    throw asError(err)
  } finally {
    client.release(destroy)
  }
}
