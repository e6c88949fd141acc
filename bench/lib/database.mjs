// The real PostgreSQL for the database cases (and bench/deploy): a fresh database per run, created
// and dropped from the server's maintenance database. The server is FBI_TEST_DATABASE_URL's (CI's;
// its database name is not used), else the local one on 127.0.0.1:5432. Loopback in CI and here.
import { randomBytes } from 'node:crypto'
import pg from 'pg'
import { body, PATIENT_ID } from './fixtures.mjs'

function serverUrl() {
  return process.env.FBI_TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres'
}

function withDatabase(url, name) {
  const u = new URL(url)
  u.pathname = `/${name}`
  return u.toString()
}

/** Runs `work` with a client connected to `url`, then closes it. */
export async function withClient(url, work) {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    return await work(client)
  } finally {
    await client.end()
  }
}

/** Creates an empty database named `fbi_<prefix>_<runId>`; returns its URL and a function that drops it. */
export async function freshDatabase(prefix, runId) {
  const name = `fbi_${prefix}_${runId}`
  const maintenance = withDatabase(serverUrl(), 'postgres')
  await withClient(maintenance, (c) => c.query(`CREATE DATABASE ${name}`))
  return {
    name,
    url: withDatabase(serverUrl(), name),
    // WITH (FORCE): a server that failed may still be connected.
    drop: () => withClient(maintenance, (c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)),
  }
}

/** The table the database cases read: one row per patient, the row of PATIENT_ID being ROUTE's body. */
export const BENCH_TABLE = 'bench_patients'

/** A fresh database of its own run holding BENCH_TABLE with PATIENT_ID's row among 10,000 others (indexed lookups). */
export async function benchDatabase(runId = randomBytes(4).toString('hex')) {
  const database = await freshDatabase('bench', runId)
  const { hello } = body(PATIENT_ID)
  await withClient(database.url, async (c) => {
    await c.query(`CREATE TABLE ${BENCH_TABLE} (patient_id text PRIMARY KEY, hello text NOT NULL)`)
    await c.query(
      `INSERT INTO ${BENCH_TABLE} SELECT 'patient-' || n, 'world' FROM generate_series(1, 10000) AS n`,
    )
    await c.query(`INSERT INTO ${BENCH_TABLE} VALUES ($1, $2)`, [PATIENT_ID, hello])
    await c.query(`ANALYZE ${BENCH_TABLE}`)
  })
  return database
}

/** The one query every database case makes: the columns in ROUTE's body order, so the same bytes. */
export const ROW_QUERY = `SELECT hello, patient_id FROM ${BENCH_TABLE} WHERE patient_id = $1`
