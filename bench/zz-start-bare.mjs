import Fastify from 'fastify'
import { body, ROUTE } from './lib/fixtures.mjs'

const app = Fastify()
app.get(ROUTE, async (r) => body(r.params.patient_id))
await app.listen({ host: '127.0.0.1', port: 0 })
process.exit(0)
