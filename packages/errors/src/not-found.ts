import type { FastifyReply, FastifyRequest, onRequestHookHandler } from 'fastify'
import type { ErrorDecision } from './classify.js'
import type { RefusalLog } from './refusal-log.js'
import { emptyParameter, isOptionalParameter, type RouteMethods } from './route-methods.js'
import type { SendError } from './send-error.js'

const NOT_FOUND: ErrorDecision = { statusCode: 404, message: 'Not Found', logLevel: 'info' }
const METHOD_NOT_ALLOWED: ErrorDecision = { statusCode: 405, message: 'Method Not Allowed', logLevel: 'info' }

/**
 * Logs a refusal; a logger that throws (a custom loggerInstance) must not stop the answer: from the
 * onRequest guard, a falsy throw would let the request reach its route.
 */
function refuse(
  request: FastifyRequest,
  refusals: RefusalLog,
  message: string,
  details: Parameters<RefusalLog['refused']>[3],
): void {
  try {
    refusals.refused(request, 'info', message, details)
  } catch {}
}

function answerNotFound(
  request: FastifyRequest,
  reply: FastifyReply,
  send: SendError,
  refusals: RefusalLog,
): FastifyReply {
  refuse(request, refusals, 'Route not found', { statusCode: 404, method: request.method })
  return send(request, reply, NOT_FOUND)
}

/**
 * The not-found handler. Fastify answers a wrong method as an unknown route (its router keeps one
 * tree per method) and no fastify-org plugin answers 405, hence these few lines: a path routed for other methods is a 405 naming them in `Allow` (OPTIONS
 * included, since it is answered here), and OPTIONS on it a 200 with `Allow` and no body, as
 * Werkzeug answered for the original. Anything else is a 404 in the one error shape.
 */
export function notFoundHandler(routes: RouteMethods, send: SendError, refusals: RefusalLog) {
  return function fbiNotFoundHandler(request: FastifyRequest, reply: FastifyReply) {
    const allowed = routes.allowedFor(request.url)
    // A route for this very method that did not match (a host or version constraint) is not a
    // method problem: the resource is not there.
    if (allowed.length === 0 || allowed.includes(request.method)) {
      return answerNotFound(request, reply, send, refusals)
    }
    const allow = [...new Set([...allowed, 'OPTIONS'])].sort().join(', ')
    reply.header('allow', allow)
    if (request.method === 'OPTIONS') return reply.code(200).send()
    refuse(request, refusals, 'Method not allowed', {
      statusCode: 405,
      method: request.method,
      allow,
      reason: `Method not allowed (allowed: ${allow})`,
    })
    return send(request, reply, METHOD_NOT_ALLOWED)
  }
}

/**
 * A root `onRequest` hook answering 404 for a route matched with an empty parameter (`/p/` against
 * `/p/:id`) before any route hook (authentication) runs. Root hooks run before route-level ones, and
 * @fbi/all registers this battery before the others. Its cost on a matched route is one loop over
 * `request.params` (empty for a route without parameters); the route's pattern is read only when a
 * parameter is empty, to let an optional one (`/p/:id?`) be.
 */
export function emptyParameterGuard(send: SendError, refusals: RefusalLog): onRequestHookHandler {
  return function fbiEmptyParameterGuard(request, reply, done) {
    const key = emptyParameter(request.params)
    if (key !== undefined && !isOptionalParameter(request.routeOptions.url, key)) {
      answerNotFound(request, reply, send, refusals)
      return
    }
    done()
  }
}
