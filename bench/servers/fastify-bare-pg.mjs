// (8) Bare Fastify (defaults, logger off) with @fastify/postgres as its README shows it: the route
// reads its answer from PostgreSQL (BENCH_DATABASE_URL), one indexed row. The ceiling for (7).
import fastifyPostgres from '@fastify/postgres'
import Fastify from 'fastify'
import { ROW_QUERY } from '../lib/database.mjs'
import { ROUTE } from '../lib/fixtures.mjs'
import { failed, POOL_SIZE, serve } from './child.mjs'

try {
  const app = Fastify()
  await app.register(fastifyPostgres, { connectionString: process.env.BENCH_DATABASE_URL, max: POOL_SIZE })
  app.get(ROUTE, async (request) => {
    const { rows } = await app.pg.query(ROW_QUERY, [request.params.patient_id])
    return rows[0]
  })
  await app.listen({ host: '127.0.0.1', port: 0 })
  serve(app.server.address().port, () => app.close())
} catch (error) {
  failed(error)
}
