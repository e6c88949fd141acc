// Start-up reference only: bare Fastify plus the libraries fbi's batteries are built on, each set up
// once through its public API and nothing of fbi's own (Fastify's pino logger on, prom-client's
// process metrics and a histogram, a fast-jwt verifier and an LRU cache, @fastify/swagger
// registered, close-with-grace). Its start-up is the floor an fbi built on these libraries can reach;
// the runner reports it beside fbi's and bare Fastify's. Serves ROUTE like (1).
import fastifySwagger from '@fastify/swagger'
import closeWithGrace from 'close-with-grace'
import { createVerifier } from 'fast-jwt'
import Fastify from 'fastify'
import { LRUCache } from 'lru-cache'
import { collectDefaultMetrics, Histogram, Registry } from 'prom-client'
import { body, HS_KEY, ROUTE } from '../lib/fixtures.mjs'
import { failed, LOG_FILE, serve } from './child.mjs'

try {
  const app = Fastify({ logger: { level: 'info', file: LOG_FILE } })
  const registry = new Registry()
  collectDefaultMetrics({ register: registry })
  new Histogram({ name: 'requests_seconds', help: 'Request duration', registers: [registry] })
  createVerifier({ key: HS_KEY, algorithms: ['HS256'] })
  new LRUCache({ max: 1000 })
  await app.register(fastifySwagger, { openapi: { info: { title: 'bench', version: '1.0.0' } } })
  app.get(ROUTE, async (request) => body(request.params.patient_id))
  closeWithGrace({ delay: 500 }, () => app.close())
  await app.listen({ host: '127.0.0.1', port: 0 })
  serve(app.server.address().port, () => app.close())
} catch (error) {
  failed(error)
}
