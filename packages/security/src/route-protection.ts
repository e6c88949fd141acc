import type { FastifyInstance, RouteOptions } from 'fastify'
import { internalError } from './answers.js'
import { FBI_SECURITY_INVALID_PROTECT, FBI_SECURITY_UNPROTECTED_ROUTES } from './errors.js'
import { type Predicate, type PredicateLike, toPredicate } from './predicate.js'
import { compileRoute, type ProtectionRuntime, type RouteHook } from './route-hooks.js'

/** One line of `app.protectionReport()`. */
export interface ProtectionReportEntry {
  method: string
  url: string
  /** The predicate's description, or null when the route is not protected. */
  protect: string | null
  /** Scopes the predicate requires. */
  requiredScopes: readonly string[]
  public: boolean
  monitoringRoute: boolean
}

/** Marks the route config of every route whose protection was compiled. */
const COMPILED = Symbol('fbi.security.compiled')

function routeName(route: Pick<RouteOptions, 'method' | 'url'>): string {
  return `${Array.isArray(route.method) ? route.method.join(',') : route.method} ${route.url}`
}

function prependHook(existing: unknown, hook: RouteHook): RouteHook[] {
  if (existing === undefined || existing === null) return [hook]
  return Array.isArray(existing) ? [hook, ...(existing as RouteHook[])] : [hook, existing as RouteHook]
}

/**
 * Route protection: each route's `config.protect` compiled once in `onRoute` into its own hooks,
 * the guard refusing protected routes that were never compiled, the `requireProtection` startup
 * check, and `app.protectionReport()`.
 */
export function protectRoutes(
  fastify: FastifyInstance,
  runtime: ProtectionRuntime,
  requireProtection: boolean,
): void {
  const report: ProtectionReportEntry[] = []
  const unprotected: string[] = []

  fastify.addHook('onRoute', (route) => {
    const routeConfig = route.config as { protect?: unknown; monitoringRoute?: unknown } | undefined
    const raw = routeConfig?.protect
    const monitoringRoute = routeConfig?.monitoringRoute === true
    const name = routeName(route)
    if (raw === undefined) {
      report.push({
        method: String(route.method),
        url: route.url,
        protect: null,
        requiredScopes: [],
        public: false,
        monitoringRoute,
      })
      if (!monitoringRoute) unprotected.push(name)
      return
    }
    if (typeof raw !== 'function') throw new FBI_SECURITY_INVALID_PROTECT(name)
    // A fresh object (the user's may be shared with a route we never saw); Fastify copies the mark
    // into the route's context config, where the guard below looks for it.
    route.config = { ...route.config, [COMPILED]: true } as typeof route.config
    const predicate: Predicate = toPredicate(raw as PredicateLike)
    report.push({
      method: String(route.method),
      url: route.url,
      protect: predicate.description,
      requiredScopes: predicate.requiredScopes,
      public: predicate.isPublic === true,
      monitoringRoute,
    })
    // A public route is left alone: no token is asked for.
    if (predicate.isPublic === true) return
    const compiled = compileRoute(runtime, predicate, !runtime.ignoreValidation)
    route.onRequest = prependHook(route.onRequest, compiled.onRequest)
    if (compiled.preValidation) route.preValidation = prependHook(route.preValidation, compiled.preValidation)
  })

  // Fail closed: a route that asks for protection but was added before this plugin (so its
  // onRoute never ran and it has no verifying hook) is refused instead of served unprotected.
  fastify.addHook('onRequest', function fbiSecurityGuard(request, reply, done) {
    const routeConfig = request.routeOptions.config as { protect?: unknown; [COMPILED]?: true } | undefined
    if (routeConfig?.protect === undefined || routeConfig[COMPILED] === true) {
      done()
      return
    }
    internalError(
      request,
      reply,
      { route: `${request.method} ${request.routeOptions.url}` },
      'Route has config.protect but was registered before @fbi/security: refused',
    )
  })

  if (requireProtection) {
    fastify.addHook('onReady', async () => {
      if (unprotected.length > 0) throw new FBI_SECURITY_UNPROTECTED_ROUTES(unprotected.join('; '))
    })
  }

  fastify.decorate('protectionReport', (): ProtectionReportEntry[] => report.map((entry) => ({ ...entry })))
}
