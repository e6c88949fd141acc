import { EntityNotFound } from '@fbi/errors'
import { currentJwtUser } from '@fbi/security'
import type { FastifyRequest } from 'fastify'
import type { QueryResultRow } from 'pg'
import { buildInsert, buildUpdate, type IdentifierRow, isUuid, type TableName } from './identifier.js'
import type { Queryable } from './transaction.js'

/** Who writes: a request (its JWT user, as `currentJwtUser` reads it) or an explicit user id (jobs, scripts). */
export type Actor = FastifyRequest | string

/** Where a write runs. */
export interface WriteOptions {
  /** A client to run on, e.g. the one `app.db.transaction` passes. Default: the pool. */
  client?: Queryable
}

function userOf(actor: Actor): string {
  return typeof actor === 'string' ? actor : currentJwtUser(actor)
}

function labelOf(table: TableName): string {
  return typeof table === 'string' ? table : table.name
}

export async function insertWithIdentifier<Row extends QueryResultRow>(
  db: Queryable,
  actor: Actor,
  table: TableName,
  values: Record<string, unknown>,
): Promise<Row & IdentifierRow> {
  const result = await db.query<Row & IdentifierRow>(buildInsert(table, values, userOf(actor)))
  return result.rows[0] as Row & IdentifierRow
}

export async function updateWithIdentifier<Row extends QueryResultRow>(
  db: Queryable,
  actor: Actor,
  table: TableName,
  uuid: string,
  values: Record<string, unknown>,
): Promise<Row & IdentifierRow> {
  // A malformed id cannot match a uuid column: answer 404 instead of letting PostgreSQL fail with 22P02.
  if (typeof uuid !== 'string' || !isUuid(uuid)) throw new EntityNotFound(`${labelOf(table)} not found`)
  const result = await db.query<Row & IdentifierRow>(buildUpdate(table, uuid, values, userOf(actor)))
  const row = result.rows[0]
  if (row === undefined) throw new EntityNotFound(`${labelOf(table)} ${uuid} not found`)
  return row
}
