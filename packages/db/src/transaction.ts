import type { Pool, PoolClient, QueryConfig, QueryResult, QueryResultRow } from 'pg'

/** Anything that runs a parameterised query: the pool, a checked-out client, a transaction's client. */
export interface Queryable {
  query<R extends QueryResultRow = QueryResultRow>(config: QueryConfig): Promise<QueryResult<R>>
}

/**
 * BEGIN, run `fn` with the client, COMMIT; on any error (from `fn`, BEGIN or COMMIT) ROLLBACK and
 * rethrow the original error. The client always goes back to the pool, and is destroyed instead
 * when ROLLBACK itself failed (its connection state is unknown).
 */
export async function transaction<T>(pool: Pool, fn: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect()
  let destroy = false
  try {
    await client.query('BEGIN')
    const result = await fn(client)
    await client.query('COMMIT')
    return result
  } catch (err) {
    try {
      await client.query('ROLLBACK')
    } catch {
      destroy = true
    }
    throw err
  } finally {
    client.release(destroy)
  }
}
