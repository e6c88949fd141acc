// The real PostgreSQL side of the harness: a fresh database per run (dropped at the end), and the
// checks made on it afterwards: migrations applied exactly once, every acknowledged write stored.
import { readdir } from 'node:fs/promises'
import pg from 'pg'

/** The server: FBI_TEST_DATABASE_URL's (CI's; its database name is not used), else 127.0.0.1:5432. */
function serverUrl() {
  return process.env.FBI_TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres'
}

function withDatabase(url, name) {
  const u = new URL(url)
  u.pathname = `/${name}`
  return u.toString()
}

async function admin(url, sql) {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    await client.query(sql)
  } finally {
    await client.end()
  }
}

/** Creates an empty database of the run's own; returns its URL and a function that drops it. */
export async function freshDatabase(runId) {
  const name = `fbi_deploy_${runId}`
  const server = serverUrl()
  // Created and dropped from the maintenance database, which every server has.
  const maintenance = withDatabase(server, 'postgres')
  await admin(maintenance, `CREATE DATABASE ${name}`)
  return {
    name,
    url: withDatabase(server, name),
    // WITH (FORCE): a failed run may have left an instance connected.
    drop: () => admin(maintenance, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  }
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
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    const { rows } = await client.query(
      'SELECT name, count(*)::int AS times, min(run_on) AS run_on FROM pgmigrations GROUP BY name ORDER BY name',
    )
    return rows
  } finally {
    await client.end()
  }
}

/**
 * Every acknowledged write against the table: each created marker present once with the uuid the
 * client was given, each updated patient holding the last acknowledged last_name; and the rows the
 * run created that no client saw acknowledged (a write committed while its client saw a failure).
 */
export async function checkWrites(url, runId, writes) {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
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
  } finally {
    await client.end()
  }
}
