// The stack of (5) and (9): the same features as fbi assembled by hand from the usual Fastify
// plugins, each as its README shows it, with its defaults; what a Fastify user writes without fbi.
import { randomUUID } from 'node:crypto'
import fastifyEtag from '@fastify/etag'
import fastifyJwt from '@fastify/jwt'
import Fastify from 'fastify'
import fastifyMetricsModule from 'fastify-metrics'
import { HS_KEY, INTERNAL_ISSUER, SCOPE } from '../lib/fixtures.mjs'
import { LOG_FILE } from './child.mjs'

const fastifyMetrics = fastifyMetricsModule.default ?? fastifyMetricsModule

/** The app with every plugin registered, and `protect`, the onRequest hook for a protected route. */
export async function handAssembled() {
  const app = Fastify({
    // Fastify's default request logging: "incoming request" and "request completed" per request.
    logger: { level: 'info', file: LOG_FILE },
    requestIdHeader: 'x-request-id',
    genReqId: () => randomUUID(),
  })
  app.addHook('onRequest', (request, reply, done) => {
    reply.header('x-request-id', request.id)
    done()
  })
  // Default route metrics (histogram and summary) and default process metrics, on /metrics.
  await app.register(fastifyMetrics, { endpoint: '/metrics' })
  await app.register(fastifyEtag)
  await app.register(fastifyJwt, {
    secret: HS_KEY,
    verify: { algorithms: ['HS256'], allowedIss: INTERNAL_ISSUER, allowedAud: INTERNAL_ISSUER },
  })

  // The scope check and the claim match fbi's predicate makes, as an onRequest hook.
  async function protect(request, reply) {
    try {
      await request.jwtVerify()
    } catch {
      return reply.code(401).send({ code: 401, message: 'Unauthorized' })
    }
    const { scope, metadata } = request.user
    const scopes = typeof scope === 'string' ? scope.split(' ') : []
    if (!scopes.includes(SCOPE) || metadata?.patient_id !== request.params.patient_id) {
      return reply.code(403).send({ code: 403, message: 'Forbidden' })
    }
  }
  return { app, protect }
}
