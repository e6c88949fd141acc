import { type ColumnDefinitions, type MigrationBuilder, PgLiteral } from 'node-pg-migrate'
import { FBI_DB_INVALID_OPTION } from './errors.js'
import type { TableName } from './table-name.js'

/** The names of the five identifier columns in a table. */
export interface IdentifierColumnNames {
  readonly uuid: string
  readonly created: string
  readonly createdBy: string
  readonly modified: string
  readonly modifiedBy: string
}

/** How a table keeps its identifier columns. */
export interface IdentifierLayout {
  readonly columns: IdentifierColumnNames
  /**
   * Who fills uuid, created and modified: 'database' (column defaults and now(), fbi's tables) or
   * 'application' (a random uuid v4 and the current time in UTC, written by @fbi/db, as the
   * original did into tables that have no defaults).
   */
  readonly values: 'database' | 'application'
}

/** fbi's own tables: uuid/timestamptz with database defaults, created_by/modified_by. */
export const fbiLayout: IdentifierLayout = Object.freeze({
  columns: Object.freeze({
    uuid: 'uuid',
    created: 'created',
    createdBy: 'created_by',
    modified: 'modified',
    modifiedBy: 'modified_by',
  }),
  values: 'database',
})

/**
 * The original's ModelIdentifier: uuid varchar(36) and `timestamp without time zone` (UTC) filled
 * by the application, created_by_/modified_by_ with a trailing underscore, no database defaults.
 */
export const flaskLayout: IdentifierLayout = Object.freeze({
  columns: Object.freeze({
    uuid: 'uuid',
    created: 'created',
    createdBy: 'created_by_',
    modified: 'modified',
    modifiedBy: 'modified_by_',
  }),
  values: 'application',
})

/** The layouts known by name. */
export const IDENTIFIER_LAYOUTS: Readonly<Record<'fbi' | 'flask', IdentifierLayout>> = Object.freeze({
  fbi: fbiLayout,
  flask: flaskLayout,
})

/** A layout by name, or one of your own. */
export type IdentifierLayoutOption = keyof typeof IDENTIFIER_LAYOUTS | IdentifierLayout

const COLUMN_KEYS = ['uuid', 'created', 'createdBy', 'modified', 'modifiedBy'] as const

/** The layout an option names, checked; `path` names the option in errors. */
export function resolveLayout(option: IdentifierLayoutOption, path: string): IdentifierLayout {
  if (option === 'fbi' || option === 'flask') return IDENTIFIER_LAYOUTS[option]
  if (
    typeof option !== 'object' ||
    option === null ||
    typeof option.columns !== 'object' ||
    option.columns === null
  ) {
    throw new FBI_DB_INVALID_OPTION(path, "must be 'fbi', 'flask' or { columns, values }")
  }
  const names = new Set<string>()
  for (const key of COLUMN_KEYS) {
    const name = option.columns[key]
    if (typeof name !== 'string' || name.length === 0) {
      throw new FBI_DB_INVALID_OPTION(`${path}.columns.${key}`, 'must be a non-empty string')
    }
    names.add(name)
  }
  if (names.size !== COLUMN_KEYS.length)
    throw new FBI_DB_INVALID_OPTION(`${path}.columns`, 'must name five different columns')
  if (option.values !== 'database' && option.values !== 'application') {
    throw new FBI_DB_INVALID_OPTION(`${path}.values`, "must be 'database' or 'application'")
  }
  return Object.freeze({ columns: Object.freeze({ ...option.columns }), values: option.values })
}

/**
 * The identifier columns for node-pg-migrate's `createTable`:
 * `pgm.createTable('patient', { ...identifierColumns(), name: { type: 'text', notNull: true } })`.
 * 'fbi' (default): uuid primary key from gen_random_uuid(), timestamptz from now(). 'flask' (and any
 * layout whose values come from the application): exactly what SQLAlchemy emits for the original's
 * ModelIdentifier, with no defaults.
 */
export function identifierColumns(layout: IdentifierLayoutOption = 'fbi'): ColumnDefinitions {
  const { columns: c, values } = resolveLayout(layout, 'layout')
  if (values === 'database') {
    return {
      [c.uuid]: {
        type: 'uuid',
        primaryKey: true,
        notNull: true,
        default: PgLiteral.create('gen_random_uuid()'),
      },
      [c.created]: { type: 'timestamptz', notNull: true, default: PgLiteral.create('now()') },
      [c.createdBy]: { type: 'text', notNull: true },
      [c.modified]: { type: 'timestamptz', notNull: true, default: PgLiteral.create('now()') },
      [c.modifiedBy]: { type: 'text', notNull: true },
    }
  }
  return {
    [c.uuid]: { type: 'varchar(36)', primaryKey: true, notNull: true },
    [c.created]: { type: 'timestamp without time zone', notNull: true },
    [c.createdBy]: { type: 'varchar', notNull: true },
    [c.modified]: { type: 'timestamp without time zone', notNull: true },
    [c.modifiedBy]: { type: 'varchar', notNull: true },
  }
}

/** Add the identifier columns to an existing table (in a migration). */
export function addIdentifierColumns(
  pgm: MigrationBuilder,
  table: TableName,
  layout: IdentifierLayoutOption = 'fbi',
): void {
  pgm.addColumns(
    typeof table === 'string' ? table : { schema: table.schema, name: table.name },
    identifierColumns(layout),
  )
}
