import type { onSendHookHandler } from 'fastify'
import { asError } from './errors.js'
import { echoRequestId, REQUEST_ID_HEADER, type RequestIds } from './request-id.js'
import type { RequestLog } from './request-log.js'

export interface ResponseHeadersOptions {
  ids: RequestIds
  noCacheHeaders: boolean
  /** True once the service is shutting down. */
  shuttingDown: () => boolean
  requestLog: RequestLog | undefined
}

/**
 * The app-level onSend hook every response goes through, also one a hook registered before this
 * plugin ended early (a 400 for a GET with a JSON body, a 401): the request id (when the onRequest
 * hook did not run), the no-cache headers, `Connection: close` while shutting down.
 */
export function responseHeaders(opts: ResponseHeadersOptions): onSendHookHandler {
  const { ids, noCacheHeaders, shuttingDown, requestLog } = opts
  return function fbiResponseHeaders(request, reply, payload, done) {
    try {
      if (!reply.hasHeader(REQUEST_ID_HEADER)) echoRequestId(ids, request, reply)
    } catch (error) {
      done(asError(error, 'The request id hook (a custom logger)'))
      return
    }
    if (noCacheHeaders && !reply.hasHeader('cache-control')) {
      reply.header('cache-control', 'no-cache, must-revalidate')
      if (!reply.hasHeader('pragma')) reply.header('pragma', 'no-cache')
      if (!reply.hasHeader('expires')) reply.header('expires', '0')
    }
    // While shutting down, keep-alive connections would hold server.close() open until the timeout:
    // ask clients to reconnect (to another instance) after this response.
    if (shuttingDown()) reply.header('connection', 'close')
    requestLog?.keepBody(request, reply.statusCode, payload)
    done(null, payload)
  }
}
