// (2), (3), (4) fbi: @fbi/all with no database, JWKS provider turned on. OPEN_ROUTE is served
// unprotected (2); ROUTE is protected by a predicate (3 with the internal HS256 token, 4 with the
// provider's RS256 token).
import Fastify from 'fastify'
import { body, fbiEnv, OPEN_ROUTE, ROUTE, SCOPE } from '../lib/fixtures.mjs'
import { failed, LOG_FILE, serve } from './child.mjs'

try {
  const all = await import('@fbi/all')
  const security = await import('@fbi/security')
  // The server options only the constructor takes (fbi's one log line per request, request ids):
  // from @fbi/all when it re-exports them, else from @fbi/monitoring, as its README says.
  const serverOptions =
    all.monitoringServerOptions ?? (await import('@fbi/monitoring')).monitoringServerOptions
  const { and, matchKeys, scopesPresent } = security

  const app = Fastify({ logger: { level: 'info', file: LOG_FILE }, ...serverOptions() })
  await app.register(all.default, { env: fbiEnv(process.env.BENCH_JWKS_URL), auth0: true, db: false })

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
