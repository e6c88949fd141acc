import Fastify from 'fastify'
import { body, fbiEnv, ROUTE, SCOPE } from './lib/fixtures.mjs'

const { default: fbi, fbiServerOptions } = await import('@fbi/all')
const { and, matchKeys, scopesPresent } = await import('@fbi/security')
const app = Fastify(fbiServerOptions({ logger: { level: 'info', file: '/dev/null' } }))
await app.register(fbi, { env: fbiEnv('http://127.0.0.1:9/jwks'), auth0: true, db: false })
app.get(
  ROUTE,
  { config: { protect: and(scopesPresent(SCOPE), matchKeys({ patient_id: 'patient_id' })) } },
  async (r) => body(r.params.patient_id),
)
await app.listen({ host: '127.0.0.1', port: 0 })
process.exit(0)
