import type { FbiConfig } from '@fbi/config'
import { Forbidden } from '@fbi/errors'
import pg, { type Pool } from 'pg'
import { DEFAULT_MIGRATIONS_SCHEMA, DEFAULT_MIGRATIONS_TABLE } from './migration-status.js'
import type { MigrationsOptions } from './migrations.js'

/**
 * The seed's drop_data: empty every table of the current schema except the migrations table,
 * in one TRUNCATE (so foreign keys between them do not matter). Only when ALLOW_DROP_DATA is true
 * and the environment is not production; otherwise Forbidden (403).
 */
export async function dropAllData(
  pool: Pool,
  config: FbiConfig,
  migrations: MigrationsOptions | undefined,
): Promise<{ tables: string[] }> {
  if (config.isProduction || !config.allowDropData) {
    throw new Forbidden('Dropping data is not allowed: it needs ALLOW_DROP_DATA=true outside production')
  }
  const table = migrations?.table ?? DEFAULT_MIGRATIONS_TABLE
  const schema = migrations?.schema ?? DEFAULT_MIGRATIONS_SCHEMA
  const { rows } = await pool.query<{ schemaname: string; tablename: string }>({
    text: `SELECT schemaname, tablename FROM pg_catalog.pg_tables
           WHERE schemaname = current_schema() AND NOT (schemaname = $1 AND tablename = $2)
           ORDER BY tablename`,
    values: [schema, table],
  })
  if (rows.length === 0) return { tables: [] }
  const names = rows.map((r) => `${pg.escapeIdentifier(r.schemaname)}.${pg.escapeIdentifier(r.tablename)}`)
  await pool.query(`TRUNCATE ${names.join(', ')} RESTART IDENTITY CASCADE`)
  return { tables: rows.map((r) => r.tablename) }
}
