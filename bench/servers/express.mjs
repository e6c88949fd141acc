// (6) Express 5 with the packages a Node user picks most often: express-oauth2-jwt-bearer for the
// token and its scopes, express-prom-bundle for metrics, Express's own ETags, and the request id,
// log line and claim check written by hand as middleware.
import { randomUUID } from 'node:crypto'
import { createWriteStream } from 'node:fs'
import express from 'express'
import { auth, requiredScopes } from 'express-oauth2-jwt-bearer'
import promBundle from 'express-prom-bundle'
import { body, HS_KEY, INTERNAL_ISSUER, ROUTE, SCOPE } from '../lib/fixtures.mjs'
import { failed, LOG_FILE, serve } from './child.mjs'

const MESSAGES = { 401: 'Unauthorized', 403: 'Forbidden' }
const SAFE_REQUEST_ID = /^[A-Za-z0-9._:+=@/-]{1,128}$/

try {
  const log = createWriteStream(LOG_FILE)
  const app = express()

  app.use((req, res, next) => {
    const incoming = req.get('x-request-id')
    req.id = incoming !== undefined && SAFE_REQUEST_ID.test(incoming) ? incoming : randomUUID()
    res.set('x-request-id', req.id)
    next()
  })
  // One JSON line per request, like fbi's request log.
  app.use((req, res, next) => {
    const start = process.hrtime.bigint()
    res.on('finish', () => {
      const responseTime = Number(process.hrtime.bigint() - start) / 1e6
      log.write(
        `${JSON.stringify({
          level: 30,
          time: Date.now(),
          pid: process.pid,
          reqId: req.id,
          method: req.method,
          url: req.originalUrl,
          statusCode: res.statusCode,
          responseTime,
          msg: 'request completed',
        })}\n`,
      )
    })
    next()
  })
  app.use(
    promBundle({
      includeMethod: true,
      includePath: true,
      includeStatusCode: true,
      promClient: { collectDefaultMetrics: {} },
    }),
  )

  const checkJwt = auth({
    issuer: INTERNAL_ISSUER,
    audience: INTERNAL_ISSUER,
    secret: HS_KEY,
    tokenSigningAlg: 'HS256',
  })
  const matchPatient = (req, res, next) => {
    if (req.auth.payload.metadata?.patient_id === req.params.patient_id) return next()
    res.status(403).json({ code: 403, message: 'Forbidden' })
  }

  app.get(ROUTE, checkJwt, requiredScopes(SCOPE), matchPatient, (req, res) => {
    res.json(body(req.params.patient_id))
  })
  // The library's errors carry a status (401, 403); answer them as JSON, not Express's HTML page.
  app.use((error, _req, res, _next) => {
    const status = Number.isInteger(error.status) ? error.status : 500
    res.status(status).json({ code: status, message: MESSAGES[status] ?? 'Internal Server Error' })
  })

  const server = app.listen(0, '127.0.0.1')
  await new Promise((resolve, reject) => {
    server.once('listening', resolve)
    server.once('error', reject)
  })
  serve(server.address().port, () => new Promise((resolve) => server.close(resolve)))
} catch (error) {
  failed(error)
}
