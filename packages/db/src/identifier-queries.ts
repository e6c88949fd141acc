import { BadRequest, EntityNotFound } from '@fbi/errors'
import { currentJwtUser } from '@fbi/security/current-user'
import type { FastifyRequest } from 'fastify'
import type { QueryResultRow } from 'pg'
import { FBI_DB_NO_ROW_RETURNED } from './errors.js'
import { buildInsert, buildUpdate, type IdentifierRow, isUuid } from './identifier.js'
import type { IdentifierLayout } from './identifier-layout.js'
import type { TableName } from './table-name.js'
import type { Queryable } from './transaction.js'

/** Who writes: a request (its JWT user, as `currentJwtUser` reads it) or an explicit user id (jobs, scripts). */
export type Actor = FastifyRequest | string

/** Where a write runs. */
export interface WriteOptions {
  /** A client to run on, e.g. the one `app.db.transaction` passes. Default: the pool. */
  client?: Queryable
}

/** An insert's options: where, and the uuid when the caller (not the request body) chooses it. */
export interface InsertOptions extends WriteOptions {
  /** The new row's uuid, chosen by your code (e.g. an id another service issued). Default: generated. */
  uuid?: string
}

function userOf(actor: Actor): string {
  return typeof actor === 'string' ? actor : currentJwtUser(actor)
}

function labelOf(table: TableName): string {
  return typeof table === 'string' ? table : table.name
}

export async function insertWithIdentifier<Row extends QueryResultRow>(
  db: Queryable,
  layout: IdentifierLayout,
  actor: Actor,
  table: TableName,
  values: Record<string, unknown>,
  opts: InsertOptions = {},
): Promise<Row & IdentifierRow> {
  if (opts.uuid !== undefined && (typeof opts.uuid !== 'string' || !isUuid(opts.uuid))) {
    throw new BadRequest("'uuid' must be a uuid")
  }
  const query = buildInsert(table, values, userOf(actor), {
    layout,
    ...(opts.uuid === undefined ? {} : { uuid: opts.uuid }),
  })
  const result = await db.query<Row & IdentifierRow>(query)
  const row = result.rows[0]
  // Never hand back `undefined` as the written row: a handler would answer 201 for nothing.
  if (row === undefined) throw new FBI_DB_NO_ROW_RETURNED(labelOf(table))
  return row
}

export async function updateWithIdentifier<Row extends QueryResultRow>(
  db: Queryable,
  layout: IdentifierLayout,
  actor: Actor,
  table: TableName,
  uuid: string,
  values: Record<string, unknown>,
): Promise<Row & IdentifierRow> {
  // A malformed id cannot match a uuid column: answer 404 instead of letting PostgreSQL fail with 22P02.
  if (typeof uuid !== 'string' || !isUuid(uuid)) throw new EntityNotFound(`${labelOf(table)} not found`)
  const result = await db.query<Row & IdentifierRow>(
    buildUpdate(table, uuid, values, userOf(actor), { layout }),
  )
  const row = result.rows[0]
  if (row === undefined) throw new EntityNotFound(`${labelOf(table)} ${uuid} not found`)
  return row
}
