import pg from 'pg'
import { FBI_DB_INVALID_OPTION } from './errors.js'

/** A table name, optionally with its schema. Both are quoted; never concatenated raw. */
export type TableName = string | { schema: string; name: string }

export function quoteTable(table: TableName): string {
  if (typeof table === 'string') {
    if (table.length === 0) throw new FBI_DB_INVALID_OPTION('table', 'must be a non-empty string')
    return pg.escapeIdentifier(table)
  }
  return `${pg.escapeIdentifier(table.schema)}.${pg.escapeIdentifier(table.name)}`
}

/** The key a table has in the `tableLayouts` option: its name, or "schema.name". */
export function tableKey(table: TableName): string {
  return typeof table === 'string' ? table : `${table.schema}.${table.name}`
}
