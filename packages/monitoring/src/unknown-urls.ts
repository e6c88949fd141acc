import type { FastifyInstance, onSendHookHandler } from 'fastify'
import type { RouteRecorder } from './metrics.js'
import type { RequestLog } from './request-log.js'

export interface UnknownUrlOptions {
  requestLog: RequestLog | undefined
  /** compat: 'flask' counts unknown URLs under the endpoint "None", as the original did. */
  record: RouteRecorder | undefined
  /** compat: 'flask' tags their 404s too, as the original tagged every response. */
  etag: onSendHookHandler | undefined
}

/**
 * What unknown URLs (Fastify's 404 without a route) get: matched routes log, count and tag from
 * their own hooks (route-hooks.ts), so these app-level hooks act only when `request.is404`.
 */
export function unknownUrlHooks(fastify: FastifyInstance, opts: UnknownUrlOptions): void {
  const { requestLog, record, etag } = opts
  if (etag !== undefined) {
    fastify.addHook('onSend', function fbiNotFoundEtag(this: unknown, request, reply, payload, done) {
      if (request.is404) return etag.call(this as never, request, reply, payload, done)
      done(null, payload)
    } as onSendHookHandler)
  }
  if (requestLog === undefined && record === undefined) return
  fastify.addHook('onResponse', function fbiNotFoundResponse(request, reply, done) {
    if (request.is404) {
      record?.(request.method, reply.statusCode, reply.elapsedTime)
      if (requestLog !== undefined) {
        const url = request.url
        const query = url.indexOf('?')
        requestLog.write(request, reply, requestLog.forUnknownUrl(query === -1 ? url : url.slice(0, query)))
      }
    }
    done()
  })
}
