import type {
  FastifyReply,
  FastifyRequest,
  onResponseHookHandler,
  onRouteHookHandler,
  onSendHookHandler,
  RouteOptions,
} from 'fastify'
import { compileDeprecation } from './deprecation.js'
import type { RequestMetrics, RouteRecorder } from './metrics.js'
import type { RequestLog } from './request-log.js'

type RouteHook<T> = T | T[] | undefined

/**
 * Adds hooks to a route's own hook list, before or after the ones it has. Always a new array:
 * Fastify shares the options of a GET route with its automatic HEAD route.
 */
export function addRouteHooks<T>(
  existing: RouteHook<T>,
  added: readonly T[],
  where: 'first' | 'last',
): RouteHook<T> {
  if (added.length === 0) return existing
  const current = existing === undefined ? [] : Array.isArray(existing) ? existing : [existing]
  return where === 'first' ? [...added, ...current] : [...current, ...added]
}

export interface RouteMonitoring {
  requestMetrics: RequestMetrics | undefined
  requestLog: RequestLog | undefined
  etag: onSendHookHandler | undefined
  compat: 'flask' | null
}

const GET_OR_HEAD = new Set(['GET', 'HEAD'])

/**
 * The onRoute hook: everything a route needs (deprecation headers, ETags, its metric series, its
 * log line) is worked out here once, and the route gets only the hooks it needs.
 */
export function routeMonitoring(monitoring: RouteMonitoring): onRouteHookHandler {
  const { requestMetrics, requestLog, etag, compat } = monitoring
  return function fbiMonitorRoute(route: RouteOptions) {
    const url = route.url
    const methods = Array.isArray(route.method) ? route.method : [route.method]
    if (route.config?.monitoringRoute === true) {
      // The original tagged its probes too (If-None-Match: * on /running answered 304).
      if (compat === 'flask' && etag !== undefined)
        route.onSend = addRouteHooks(route.onSend, [etag], 'first')
      return
    }
    const onSend: onSendHookHandler[] = []
    const onResponse: onResponseHookHandler[] = []
    let deprecated: Record<string, unknown> | undefined

    if (route.config?.deprecated !== undefined) {
      const deprecation = compileDeprecation(
        methods.join(','),
        url,
        route.config.deprecated,
        new Date(),
        compat,
      )
      const countCall = requestMetrics?.deprecatedCall(methods.join(','), url)
      const message = `Deprecated route called: ${methods.join(',')} ${url}`
      deprecated = { route: url, ...deprecation.logged }
      const logged = { deprecated }
      // At onSend, so the headers also reach responses a hook ended early (401, 403, 429 ...). The
      // warning and the count come after the response, where a failing logger cannot change it.
      onSend.push(function fbiDeprecated(request, reply, payload, done) {
        const headers = deprecation.headers(request.params)
        reply.header('deprecation', headers.deprecation)
        if (headers.link !== undefined) reply.header('link', headers.link)
        if (headers.sunset !== undefined) reply.header('sunset', headers.sunset)
        done(null, payload)
      } as onSendHookHandler)
      // With the request log, its one line for the request is the warning (route-log below); a hook
      // only when there is something to count or to log.
      if (countCall !== undefined || requestLog === undefined) {
        onResponse.push(function fbiDeprecatedCall(request, _reply, done) {
          countCall?.()
          if (requestLog === undefined) request.log.warn(logged, message)
          done()
        } as onResponseHookHandler)
      }
    }

    if (etag !== undefined) {
      // compat: 'flask' tags every method (the hook checks the method itself before a 304).
      if (compat === 'flask' || methods.every((method) => GET_OR_HEAD.has(method))) {
        onSend.push(etag)
      } else if (methods.some((method) => GET_OR_HEAD.has(method))) {
        onSend.push(function fbiEtagGetOnly(this: unknown, request, reply, payload, done) {
          if (GET_OR_HEAD.has(request.method)) return etag.call(this as never, request, reply, payload, done)
          done(null, payload)
        } as onSendHookHandler)
      }
    }

    // `disableMetrics` is fastify-metrics' route option, taken so routes written for it keep working.
    const record: RouteRecorder | undefined =
      route.config?.disableMetrics === true ? undefined : requestMetrics?.forRoute(url, methods)
    const routeLog = requestLog?.forRoute(url, route.config?.logBodies, deprecated)
    if (record !== undefined || routeLog !== undefined) {
      onResponse.push(function fbiRouteResponse(
        request: FastifyRequest,
        reply: FastifyReply,
        done: () => void,
      ) {
        if (record !== undefined) record(request.method, reply.statusCode, reply.elapsedTime)
        if (routeLog !== undefined) requestLog?.write(request, reply, routeLog)
        done()
      })
    }

    // First, where an app-level hook would run, and before the HEAD route's own hook drops the body.
    route.onSend = addRouteHooks(route.onSend, onSend, 'first')
    route.onResponse = addRouteHooks(route.onResponse, onResponse, 'last')
  }
}
