// (5) The same features assembled by hand from the usual Fastify plugins (hand-assembled.mjs).
import { body, ROUTE } from '../lib/fixtures.mjs'
import { failed, serve } from './child.mjs'
import { handAssembled } from './hand-assembled.mjs'

try {
  const { app, protect } = await handAssembled()
  app.get(ROUTE, { onRequest: protect }, async (request) => body(request.params.patient_id))
  await app.listen({ host: '127.0.0.1', port: 0 })
  serve(app.server.address().port, () => app.close())
} catch (error) {
  failed(error)
}
