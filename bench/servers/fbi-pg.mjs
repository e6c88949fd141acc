// (7) fbi with its database battery on, as a service runs it: @fbi/all with db against PostgreSQL
// (BENCH_DATABASE_URL, ENVIRONMENT PRODUCTION), the route of (3) protected the same way, its answer
// read through @fbi/db's pool (app.pg), one indexed row.
import Fastify from 'fastify'
import { ROW_QUERY } from '../lib/database.mjs'
import { fbiEnv, ROUTE, SCOPE } from '../lib/fixtures.mjs'
import { failed, LOG_FILE, POOL_SIZE, serve } from './child.mjs'

try {
  const { default: fbi, fbiServerOptions } = await import('@fbi/all')
  const { and, matchKeys, scopesPresent } = await import('@fbi/security')

  const app = Fastify(fbiServerOptions({ logger: { level: 'info', file: LOG_FILE } }))
  // BENCH_FBI_OPTIONS (JSON): what cpu.mjs --ablate switches off; each key replaces the one below
  // (so '{"db":{"poolSize":10,"statementTimeoutMs":0}}' keeps the pool size). The runner never sets it.
  const extra = JSON.parse(process.env.BENCH_FBI_OPTIONS || '{}')
  await app.register(fbi, {
    env: { ...fbiEnv(process.env.BENCH_JWKS_URL), DATABASE_URL: process.env.BENCH_DATABASE_URL },
    auth0: true,
    db: { poolSize: POOL_SIZE },
    ...extra,
  })
  app.get(
    ROUTE,
    { config: { protect: and(scopesPresent(SCOPE), matchKeys({ patient_id: 'patient_id' })) } },
    async (request) => {
      const { rows } = await app.pg.query(ROW_QUERY, [request.params.patient_id])
      return rows[0]
    },
  )
  await app.listen({ host: '127.0.0.1', port: 0 })
  serve(app.server.address().port, () => app.close())
} catch (error) {
  failed(error)
}
