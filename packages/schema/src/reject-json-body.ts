import { BadRequest } from '@fbi/errors'
import type { FastifyRequest, onRequestHookHandler } from 'fastify'

const JSON_CONTENT_TYPE = /^\s*application\/(?:[\w.-]+\+)?json\s*(?:;|$)/i

function hasJsonContentType(request: FastifyRequest): boolean {
  return JSON_CONTENT_TYPE.test(request.headers['content-type'] ?? '')
}

function hasJsonBody(request: FastifyRequest): boolean {
  const { headers } = request
  const length = headers['content-length']
  const hasBody = (length !== undefined && length !== '0') || headers['transfer-encoding'] !== undefined
  return hasBody && hasJsonContentType(request)
}

/**
 * The seed's `get()`/`delete()` check for every route: a JSON body on one of `methods` is a 400.
 * fbi looks for a body; the original (compat: 'flask') looked only at the content type
 * (Flask's `request.is_json`), so a JSON content type without a body was refused too.
 *
 * A callback hook, not an async one: it runs on every request, and an async hook costs a promise
 * and a microtask each time for a check that is synchronous.
 */
export function rejectJsonBodyHook(methods: ReadonlySet<string>, flask: boolean): onRequestHookHandler {
  const isJson = flask ? hasJsonContentType : hasJsonBody
  return function fbiRejectJsonBody(request, _reply, done) {
    if (methods.has(request.method) && isJson(request)) {
      done(new BadRequest(`${request.method} request should not have json body`))
      return
    }
    done()
  }
}
