// (1) Bare Fastify, the ceiling: Fastify's defaults (logger off, so nothing is logged), one JSON
// route with a path param, no schema.
import Fastify from 'fastify'
import { body, ROUTE } from '../lib/fixtures.mjs'
import { failed, serve } from './child.mjs'

try {
  const app = Fastify()
  app.get(ROUTE, async (request) => body(request.params.patient_id))
  await app.listen({ host: '127.0.0.1', port: 0 })
  serve(app.server.address().port, () => app.close())
} catch (error) {
  failed(error)
}
