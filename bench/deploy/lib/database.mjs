// The real PostgreSQL side of the harness: a fresh database per run (dropped at the end), and the
// checks made on it afterwards: migrations applied exactly once, every acknowledged write stored.
import { readdir } from 'node:fs/promises'
import { freshDatabase as freshDatabaseNamed, withClient } from '../../lib/database.mjs'

/** A fresh database of the run's own (see ../../lib/database.mjs), dropped at the end. */
export function freshDatabase(runId) {
  return freshDatabaseNamed('deploy', runId)
}

/** The migration files the service ships, as node-pg-migrate names them (file name without extension). */
export async function shippedMigrations(serviceDir) {
  const files = await readdir(`${serviceDir}/migrations`)
  return files
    .filter((f) => /\.(c|m)?js$|\.sql$/.test(f))
    .map((f) => f.replace(/\.[^.]+$/, ''))
    .sort()
}

/** The migrations table: each name with how many times it was recorded. */
export async function appliedMigrations(url) {
  const { rows } = await withClient(url, (client) =>
    client.query('SELECT name, count(*)::int AS times FROM pgmigrations GROUP BY name ORDER BY name'),
  )
  return rows
}

/**
 * Every acknowledged write against the table: each created marker present once with the uuid the
 * client was given, each updated patient holding the last acknowledged last_name; and the rows the
 * run created that no client saw acknowledged (a write committed while its client saw a failure).
 */
export function checkWrites(url, runId, writes) {
  return withClient(url, async (client) => {
    const created = await client.query(
      "SELECT first_name, uuid::text AS uuid FROM patients WHERE first_name LIKE $1 || '%'",
      [`deploy-${runId}-`],
    )
    const stored = new Map()
    const duplicates = []
    for (const row of created.rows) {
      if (stored.has(row.first_name)) duplicates.push(row.first_name)
      stored.set(row.first_name, row.uuid)
    }
    const missingCreates = [...writes.created].filter(([marker, uuid]) => stored.get(marker) !== uuid)
    const unacknowledged = [...stored.keys()].filter((marker) => !writes.created.has(marker))
    const updated = await client.query(
      'SELECT uuid::text AS uuid, last_name FROM patients WHERE uuid = ANY($1::uuid[])',
      [[...writes.updated.keys()]],
    )
    const now = new Map(updated.rows.map((r) => [r.uuid, r.last_name]))
    const lostUpdates = [...writes.updated].filter(([uuid, lastName]) => now.get(uuid) !== lastName)
    return {
      acknowledgedCreates: writes.created.size,
      acknowledgedUpdates: writes.updated.size,
      missingCreates: missingCreates.map(([marker]) => marker),
      lostUpdates: lostUpdates.map(([uuid]) => uuid),
      duplicates,
      unacknowledged,
    }
  })
}
