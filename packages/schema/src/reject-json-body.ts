import { BadRequest } from '@fbi/errors'
import type { FastifyInstance, FastifyRequest, onRequestHookHandler, RouteOptions } from 'fastify'

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
 * A callback hook, not an async one: it runs on every request of the routes it is added to, and an
 * async hook costs a promise and a microtask each time for a check that is synchronous.
 */
function rejectJsonBodyHook(flask: boolean): onRequestHookHandler {
  const isJson = flask ? hasJsonContentType : hasJsonBody
  return function fbiRejectJsonBody(request, _reply, done) {
    if (isJson(request)) {
      done(new BadRequest(`${request.method} request should not have json body`))
      return
    }
    done()
  }
}

function methodsOf(route: RouteOptions): readonly string[] {
  return Array.isArray(route.method) ? route.method : [route.method]
}

/**
 * The seed's `get()`/`delete()` check: a JSON body where none belongs is a 400. Decided per route
 * once (onRoute), so routes without it pay nothing, and an unrouted request is left to its 404 or
 * 405. fbi checks every route of `methods` (GET and DELETE) unless its `config.rejectJsonBody` is
 * false. The original (compat: 'flask') checked only in the handlers that called `get()`/`delete()`,
 * so there a route opts in with `config.rejectJsonBody: true`, and the check reads the content type
 * alone (Flask's `request.is_json`), refusing a JSON content type without a body too.
 */
export function rejectJsonBodyOnRoutes(
  fastify: FastifyInstance,
  methods: ReadonlySet<string>,
  flask: boolean,
): void {
  const hook = rejectJsonBodyHook(flask)
  fastify.addHook('onRoute', (route) => {
    const wanted = (route.config as { rejectJsonBody?: unknown } | undefined)?.rejectJsonBody
    const applies =
      wanted === true || (!flask && wanted !== false && methodsOf(route).some((m) => methods.has(m)))
    if (!applies) return
    const existing = route.onRequest
    route.onRequest =
      existing === undefined ? [hook] : [...(Array.isArray(existing) ? existing : [existing]), hook]
  })
}
