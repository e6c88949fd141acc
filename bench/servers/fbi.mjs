// (2), (3), (4) fbi, as its README shows it: @fbi/all with no database, the JWKS provider turned on.
// OPEN_ROUTE is served unprotected (2); ROUTE is protected by a predicate (3 with the internal
// HS256 token, 4 with the provider's RS256 token).
import Fastify from 'fastify'
import { body, fbiEnv, OPEN_ROUTE, ROUTE, SCOPE } from '../lib/fixtures.mjs'
import { failed, LOG_FILE, serve } from './child.mjs'

try {
  // Imported here, not at the top, so a missing or broken build is reported through failed().
  const { default: fbi, fbiServerOptions } = await import('@fbi/all')
  const { and, matchKeys, scopesPresent } = await import('@fbi/security')

  // fbiServerOptions: fbi's one log line per request, X-Request-ID as the request id, and Fastify's
  // logger writing to LOG_FILE through fbi's destination (synchronous, like Fastify's `file`).
  const app = Fastify(fbiServerOptions({ logger: { level: 'info', file: LOG_FILE } }))
  // BENCH_FBI_OPTIONS (JSON) switches batteries or features off, to measure what each one costs
  // (cpu.mjs --ablate); the runner never sets it.
  const extra = JSON.parse(process.env.BENCH_FBI_OPTIONS || '{}')
  // BENCH_FBI_ENV (JSON) adds variables: fbi-traced.mjs sets the OTEL_* ones.
  const env = { ...fbiEnv(process.env.BENCH_JWKS_URL), ...JSON.parse(process.env.BENCH_FBI_ENV || '{}') }
  await app.register(fbi, { env, auth0: true, db: false, ...extra })

  const handler = async (request) => body(request.params.patient_id)
  app.get(OPEN_ROUTE, handler)
  app.get(
    ROUTE,
    { config: { protect: and(scopesPresent(SCOPE), matchKeys({ patient_id: 'patient_id' })) } },
    handler,
  )
  await app.listen({ host: '127.0.0.1', port: 0 })
  serve(app.server.address().port, () => app.close())
} catch (error) {
  failed(error)
}
