import { randomUUID } from 'node:crypto'
import { BadRequest } from '@fbi/errors'
import pg from 'pg'
import { FBI_DB_INVALID_OPTION } from './errors.js'
import {
  fbiLayout,
  flaskLayout,
  type IdentifierColumnNames,
  type IdentifierLayout,
  type IdentifierLayoutOption,
  resolveLayout,
} from './identifier-layout.js'
import { quoteTable, type TableName } from './table-name.js'

/**
 * The seed's ModelIdentifier columns as the write helpers return them, whatever the table's layout
 * (a column named otherwise, e.g. the original's created_by_, is returned under this name too).
 */
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

/** fbi's column names, as a frozen list. */
export const IDENTIFIER_COLUMNS: readonly ['uuid', 'created', 'created_by', 'modified', 'modified_by'] =
  Object.freeze(['uuid', 'created', 'created_by', 'modified', 'modified_by'] as const)

const KEYS = ['uuid', 'created', 'createdBy', 'modified', 'modifiedBy'] as const
const FBI_NAMES = fbiLayout.columns

function toIso(value: unknown, column: string): string {
  const date = value instanceof Date ? value : typeof value === 'string' ? new Date(value) : null
  if (date === null || Number.isNaN(date.getTime())) {
    throw new FBI_DB_INVALID_OPTION(column, 'must be a timestamp')
  }
  return date.toISOString()
}

function text(value: unknown, column: string): string {
  if (typeof value !== 'string') throw new FBI_DB_INVALID_OPTION(column, 'must be a string')
  return value
}

/**
 * The seed's pack_identifier: uuid, created, created_by, modified, modified_by with ISO 8601 ms Z
 * timestamps, the same JSON for every layout. Without `layout`, a row with fbi's column names is
 * read by them and one with the original's (created_by_, modified_by_) by those.
 */
export function packIdentifier(
  row: Pick<IdentifierRow, keyof IdentifierRow> | Record<string, unknown>,
  layout?: IdentifierLayoutOption,
): PackedIdentifier {
  const r = row as Record<string, unknown>
  const c: IdentifierColumnNames =
    layout !== undefined
      ? resolveLayout(layout, 'layout').columns
      : FBI_NAMES.createdBy in r || FBI_NAMES.modifiedBy in r
        ? FBI_NAMES
        : flaskLayout.columns
  return {
    uuid: text(r[c.uuid], c.uuid),
    created: toIso(r[c.created], c.created),
    created_by: text(r[c.createdBy], c.createdBy),
    modified: toIso(r[c.modified], c.modified),
    modified_by: text(r[c.modifiedBy], c.modifiedBy),
  }
}

/** Parameterised SQL: text plus values, never a value spliced into the text. */
export interface SqlQuery {
  text: string
  values: unknown[]
}

/** What the write builders need beyond the row: the table's layout, the clock, an explicit uuid. */
export interface BuildOptions {
  /** Default: 'fbi'. */
  layout?: IdentifierLayoutOption
  /** The row's uuid, chosen by the caller (never by a request body). Default: the layout's (database default or a new uuid v4). */
  uuid?: string
  /** The time written by an 'application' layout. Default: now. */
  now?: Date
}

// The identifier columns of every built-in layout: a request body passed through as `values` can
// set none of them, whatever the table's own layout.
const MANAGED = new Set<string>([fbiLayout, flaskLayout].flatMap((l) => KEYS.map((k) => l.columns[k])))

function columnsOf(values: Record<string, unknown>, layout: IdentifierLayout): string[] {
  const columns = Object.keys(values).filter((k) => values[k] !== undefined)
  const managed = new Set([...MANAGED, ...KEYS.map((k) => layout.columns[k])])
  for (const c of columns) {
    if (managed.has(c)) {
      // Handlers often pass a request body straight through: a client that sends created_by (or a
      // uuid, to squat a primary key or probe which ones exist) gets a 400 naming the field, never a
      // 500, a forged author or a 409-vs-201 answer.
      throw new BadRequest(`'${c}' is set by the server and cannot be given`)
    }
  }
  return columns
}

const q = (name: string) => pg.escapeIdentifier(name)

/** RETURNING *, plus each identifier column under fbi's name when the layout names it otherwise. */
function returning(layout: IdentifierLayout): string {
  const aliases = KEYS.filter((k) => layout.columns[k] !== FBI_NAMES[k]).map(
    (k) => `, ${q(layout.columns[k])} AS ${q(FBI_NAMES[k])}`,
  )
  return `RETURNING *${aliases.join('')}`
}

// An ISO string with Z: a `timestamp without time zone` column stores its UTC wall time (PostgreSQL
// ignores the zone of such a literal) and a timestamptz column the same instant, whatever the
// session's TimeZone. A Date parameter would be sent in the Node process's local time instead.
const utc = (date: Date) => date.toISOString()

/** INSERT … RETURNING * with created_by = modified_by = user; uuid and times from the layout. */
export function buildInsert(
  table: TableName,
  values: Record<string, unknown>,
  user: string,
  opts: BuildOptions = {},
): SqlQuery {
  const layout = resolveLayout(opts.layout ?? 'fbi', 'layout')
  const c = layout.columns
  const columns = columnsOf(values, layout)
  const names: string[] = []
  const params: string[] = []
  const args: unknown[] = []
  const add = (name: string, value: unknown): string => {
    args.push(value)
    const param = `$${args.length}`
    names.push(name)
    params.push(param)
    return param
  }
  const uuid = opts.uuid ?? (layout.values === 'application' ? randomUUID() : undefined)
  if (uuid !== undefined) add(c.uuid, uuid)
  if (layout.values === 'application') {
    const at = add(c.created, utc(opts.now ?? new Date()))
    names.push(c.modified)
    params.push(at)
  }
  const by = add(c.createdBy, user)
  names.push(c.modifiedBy)
  params.push(by)
  for (const column of columns) add(column, values[column])
  return {
    text: `INSERT INTO ${quoteTable(table)} (${names.map(q).join(', ')}) VALUES (${params.join(', ')}) ${returning(layout)}`,
    values: args,
  }
}

/** UPDATE by uuid, setting modified (now(), or the UTC time for an 'application' layout) and modified_by = user. */
export function buildUpdate(
  table: TableName,
  uuid: string,
  values: Record<string, unknown>,
  user: string,
  opts: Omit<BuildOptions, 'uuid'> = {},
): SqlQuery {
  const layout = resolveLayout(opts.layout ?? 'fbi', 'layout')
  const c = layout.columns
  const columns = columnsOf(values, layout)
  const args: unknown[] = [user, uuid]
  const sets = [`${q(c.modifiedBy)} = $1`]
  if (layout.values === 'application') {
    args.push(utc(opts.now ?? new Date()))
    sets.unshift(`${q(c.modified)} = $3`)
  } else {
    sets.unshift(`${q(c.modified)} = now()`)
  }
  for (const column of columns) {
    args.push(values[column])
    sets.push(`${q(column)} = $${args.length}`)
  }
  return {
    text: `UPDATE ${quoteTable(table)} SET ${sets.join(', ')} WHERE ${q(c.uuid)} = $2 ${returning(layout)}`,
    values: args,
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/** Whether a string can be a uuid column value (so a malformed id is a 404, not a 500 from PostgreSQL). */
export function isUuid(value: string): boolean {
  return UUID.test(value)
}
