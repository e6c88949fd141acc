// (9) The hand-assembled stack of (5) with @fastify/postgres as its README shows it: the protected
// route reads its answer from PostgreSQL (BENCH_DATABASE_URL), one indexed row.
import fastifyPostgres from '@fastify/postgres'
import { ROW_QUERY } from '../lib/database.mjs'
import { ROUTE } from '../lib/fixtures.mjs'
import { failed, POOL_SIZE, serve } from './child.mjs'
import { handAssembled } from './hand-assembled.mjs'

try {
  const { app, protect } = await handAssembled()
  await app.register(fastifyPostgres, { connectionString: process.env.BENCH_DATABASE_URL, max: POOL_SIZE })
  app.get(ROUTE, { onRequest: protect }, async (request) => {
    const { rows } = await app.pg.query(ROW_QUERY, [request.params.patient_id])
    return rows[0]
  })
  await app.listen({ host: '127.0.0.1', port: 0 })
  serve(app.server.address().port, () => app.close())
} catch (error) {
  failed(error)
}
