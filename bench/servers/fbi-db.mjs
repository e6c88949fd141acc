// The soak's server (soak.mjs): fbi with the database on, as a service runs it. DATABASE_URL when
// set (a table of its own, dropped on stop), else the embedded PGlite @fbi/db starts by itself.
// Protected reads and writes of one table, the monitoring probes, and a count for the runner.
import { randomBytes } from 'node:crypto'
import Fastify from 'fastify'
import { fbiEnv, PATIENT_ID, SCOPE } from '../lib/fixtures.mjs'
import { failed, LOG_FILE, serve } from './child.mjs'

export const WRITE_SCOPE = 'write:patient'

try {
  const { default: fbi, fbiServerOptions } = await import('@fbi/all')
  const { and, matchKeys, scopesPresent } = await import('@fbi/security')

  const app = Fastify({
    logger: { level: 'info', file: LOG_FILE },
    pluginTimeout: 90_000,
    ...fbiServerOptions(),
  })
  const databaseUrl = process.env.DATABASE_URL || undefined
  await app.register(fbi, {
    // The embedded database is refused in production: without DATABASE_URL the soak runs as STAGING.
    env: {
      ...fbiEnv(undefined),
      ...(databaseUrl ? { DATABASE_URL: databaseUrl } : { ENVIRONMENT: 'STAGING' }),
    },
    auth0: false,
    db: databaseUrl ? { poolSize: 10 } : true,
  })
  // A table of this run only: the soak never touches anything else on a shared server.
  const table = `fbi_soak_${randomBytes(4).toString('hex')}`
  await app.pg.query(
    `CREATE TABLE ${table} (id bigserial PRIMARY KEY, patient_id text NOT NULL, value double precision NOT NULL, created timestamptz NOT NULL DEFAULT now())`,
  )
  await app.pg.query(`CREATE INDEX ON ${table} (patient_id, id)`)

  const own = matchKeys({ patient_id: 'patient_id' })
  app.get(
    '/dhos/v1/patient/:patient_id/reading/latest',
    { config: { protect: and(scopesPresent(SCOPE), own) } },
    async (request) => {
      const { rows } = await app.pg.query(
        `SELECT id, value FROM ${table} WHERE patient_id = $1 ORDER BY id DESC LIMIT 1`,
        [request.params.patient_id],
      )
      return rows[0] ?? { id: null, value: null }
    },
  )
  app.post(
    '/dhos/v1/patient/:patient_id/reading',
    {
      config: { protect: and(scopesPresent(WRITE_SCOPE), own) },
      schema: {
        body: {
          type: 'object',
          properties: { value: { type: 'number' } },
          required: ['value'],
          additionalProperties: false,
        },
      },
    },
    async (request, reply) => {
      const { rows } = await app.pg.query(
        `INSERT INTO ${table} (patient_id, value) VALUES ($1, $2) RETURNING id`,
        [request.params.patient_id, request.body.value],
      )
      return reply.code(201).send({ id: Number(rows[0].id) })
    },
  )
  // For the runner only: how many rows the writes left.
  app.get('/bench/rows', async () => {
    const { rows } = await app.pg.query(`SELECT count(*)::int AS n FROM ${table} WHERE patient_id = $1`, [
      PATIENT_ID,
    ])
    return { rows: rows[0].n, embedded: app.db.embedded !== null }
  })
  await app.listen({ host: '127.0.0.1', port: 0 })
  serve(app.server.address().port, async () => {
    await app.pg.query(`DROP TABLE IF EXISTS ${table}`).catch(() => {})
    await app.close()
  })
} catch (error) {
  failed(error)
}
