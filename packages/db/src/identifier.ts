import { BadRequest } from '@fbi/errors'
import { type ColumnDefinitions, type MigrationBuilder, PgLiteral } from 'node-pg-migrate'
import pg from 'pg'
import { FBI_DB_INVALID_OPTION } from './errors.js'

/** The seed's ModelIdentifier columns, as PostgreSQL returns them through pg. */
export interface IdentifierRow {
  uuid: string
  created: Date
  created_by: string
  modified: Date
  modified_by: string
}

/** `packIdentifier`'s result: the identifier columns as a JSON-ready object. */
export interface PackedIdentifier {
  uuid: string
  /** ISO 8601, UTC, milliseconds, e.g. 2024-01-31T10:11:12.123Z. */
  created: string
  created_by: string
  modified: string
  modified_by: string
}

/** A table name, optionally with its schema. Both are quoted; never concatenated raw. */
export type TableName = string | { schema: string; name: string }

export const IDENTIFIER_COLUMNS = ['uuid', 'created', 'created_by', 'modified', 'modified_by'] as const

/**
 * The identifier columns for node-pg-migrate's `createTable`:
 * `pgm.createTable('patient', { ...identifierColumns(), name: { type: 'text', notNull: true } })`.
 * uuid is a generated primary key; created/modified come from the database clock.
 */
export function identifierColumns(): ColumnDefinitions {
  return {
    uuid: { type: 'uuid', primaryKey: true, notNull: true, default: PgLiteral.create('gen_random_uuid()') },
    created: { type: 'timestamptz', notNull: true, default: PgLiteral.create('now()') },
    created_by: { type: 'text', notNull: true },
    modified: { type: 'timestamptz', notNull: true, default: PgLiteral.create('now()') },
    modified_by: { type: 'text', notNull: true },
  }
}

/** Add the identifier columns to an existing table (in a migration). */
export function addIdentifierColumns(pgm: MigrationBuilder, table: TableName): void {
  pgm.addColumns(
    typeof table === 'string' ? table : { schema: table.schema, name: table.name },
    identifierColumns(),
  )
}

function toIso(value: unknown, column: string): string {
  const date = value instanceof Date ? value : typeof value === 'string' ? new Date(value) : null
  if (date === null || Number.isNaN(date.getTime())) {
    throw new FBI_DB_INVALID_OPTION(column, 'must be a timestamp')
  }
  return date.toISOString()
}

/** The seed's pack_identifier: uuid, created, created_by, modified, modified_by with ISO 8601 ms Z timestamps. */
export function packIdentifier(
  row: Pick<IdentifierRow, keyof IdentifierRow> | Record<string, unknown>,
): PackedIdentifier {
  const r = row as Record<string, unknown>
  return {
    uuid: String(r.uuid),
    created: toIso(r.created, 'created'),
    created_by: String(r.created_by),
    modified: toIso(r.modified, 'modified'),
    modified_by: String(r.modified_by),
  }
}

export function quoteTable(table: TableName): string {
  if (typeof table === 'string') {
    if (table.length === 0) throw new FBI_DB_INVALID_OPTION('table', 'must be a non-empty string')
    return pg.escapeIdentifier(table)
  }
  return `${pg.escapeIdentifier(table.schema)}.${pg.escapeIdentifier(table.name)}`
}

/** Parameterised SQL: text plus values, never a value spliced into the text. */
export interface SqlQuery {
  text: string
  values: unknown[]
}

const MANAGED = new Set<string>(['created', 'created_by', 'modified', 'modified_by'])

function columnsOf(values: Record<string, unknown>, allowUuid: boolean): string[] {
  const columns = Object.keys(values).filter((k) => values[k] !== undefined)
  for (const c of columns) {
    if (MANAGED.has(c) || (!allowUuid && c === 'uuid')) {
      // Handlers often pass a request body straight through: a client that sends created_by gets a
      // 400 naming the field, never a 500 and never a forged author.
      throw new BadRequest(`'${c}' is set by the server and cannot be given`)
    }
  }
  return columns
}

/** INSERT with created_by = modified_by = user; uuid, created and modified from the column defaults. */
export function buildInsert(table: TableName, values: Record<string, unknown>, user: string): SqlQuery {
  const columns = columnsOf(values, true)
  const names = ['created_by', 'modified_by', ...columns].map((c) => pg.escapeIdentifier(c))
  const params = ['$1', '$1', ...columns.map((_, i) => `$${i + 2}`)]
  return {
    text: `INSERT INTO ${quoteTable(table)} (${names.join(', ')}) VALUES (${params.join(', ')}) RETURNING *`,
    values: [user, ...columns.map((c) => values[c])],
  }
}

/** UPDATE by uuid, setting modified = now() (the database clock) and modified_by = user. */
export function buildUpdate(
  table: TableName,
  uuid: string,
  values: Record<string, unknown>,
  user: string,
): SqlQuery {
  const columns = columnsOf(values, false)
  const sets = [
    'modified = now()',
    'modified_by = $1',
    ...columns.map((c, i) => `${pg.escapeIdentifier(c)} = $${i + 3}`),
  ]
  return {
    text: `UPDATE ${quoteTable(table)} SET ${sets.join(', ')} WHERE uuid = $2 RETURNING *`,
    values: [user, uuid, ...columns.map((c) => values[c])],
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/** Whether a string can be a uuid column value (so a malformed id is a 404, not a 500 from PostgreSQL). */
export function isUuid(value: string): boolean {
  return UUID.test(value)
}
