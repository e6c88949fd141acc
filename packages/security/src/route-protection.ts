import type { FastifyInstance, RouteOptions } from 'fastify'
import { internalError } from './answers.js'
import {
  FBI_SECURITY_IMPOSSIBLE_PROTECT,
  FBI_SECURITY_INVALID_PROTECT,
  FBI_SECURITY_PROTECTION_CHANGED,
} from './errors.js'
import { type Predicate, type PredicateLike, toPredicate } from './predicate.js'
import { auditRouteTable, type ProtectionReportEntry } from './route-audit.js'
import {
  compileRoute,
  type ProtectionRuntime,
  type ProvenRequest,
  type RouteHook,
  VERIFIED,
} from './route-hooks.js'
import { impossibleInputs } from './route-inputs.js'
import { asError } from './thrown.js'

/** What a compiled route's config carries: the proof its hooks set, and what they were compiled from. */
export interface CompiledProtection {
  readonly raw: unknown
  readonly isPublic: boolean
  readonly onRequest: RouteHook | undefined
  readonly preValidation: RouteHook | undefined
}

/** The key of the CompiledProtection in a route's config (and so in its context config). */
export const COMPILED = Symbol('fbi.security.compiled')

/** A route our onRoute hook saw, with its report line and, when protected, what was compiled. */
interface SeenRoute {
  readonly route: RouteOptions
  readonly entry: ProtectionReportEntry
  readonly compiled: CompiledProtection | undefined
}

interface RouteConfig {
  protect?: unknown
  monitoringRoute?: unknown
  [COMPILED]?: CompiledProtection
}

export interface RouteProtectionOptions {
  readonly requireProtection: boolean
  /** Routes deliberately public without `protect` (see public-routes.ts). */
  readonly publicRoutes: readonly string[]
}

function routeName(route: Pick<RouteOptions, 'method' | 'url'>): string {
  return `${Array.isArray(route.method) ? route.method.join(',') : route.method} ${route.url}`
}

function prependHook(existing: unknown, hook: RouteHook): RouteHook[] {
  if (existing === undefined || existing === null) return [hook]
  return Array.isArray(existing) ? [hook, ...(existing as RouteHook[])] : [hook, existing as RouteHook]
}

function hasHook(hooks: unknown, hook: RouteHook): boolean {
  return Array.isArray(hooks) ? hooks.includes(hook) : hooks === hook
}

/** Why a compiled route no longer carries the protection we compiled for it, or undefined. */
function changedSinceCompile(
  route: RouteOptions,
  compiled: CompiledProtection | undefined,
): string | undefined {
  const config = route.config as RouteConfig | undefined
  if (compiled === undefined) return config?.protect === undefined ? undefined : 'config.protect was added'
  if (config?.[COMPILED] !== compiled) return 'its config was replaced'
  if (config.protect !== compiled.raw) return 'config.protect was changed'
  if (compiled.onRequest !== undefined && !hasHook(route.onRequest, compiled.onRequest)) {
    return 'its onRequest hooks were replaced'
  }
  if (compiled.preValidation !== undefined && !hasHook(route.preValidation, compiled.preValidation)) {
    return 'its preValidation hooks were replaced'
  }
  return undefined
}

/**
 * Route protection: each route's `config.protect` compiled once in `onRoute` into its own hooks,
 * a late check that no handler of a protected route runs without the proof those hooks set, and at
 * startup the audit of the whole route table and `app.protectionReport()`.
 */
export function protectRoutes(
  fastify: FastifyInstance,
  runtime: ProtectionRuntime,
  options: RouteProtectionOptions,
): void {
  const seen: SeenRoute[] = []
  let report: readonly ProtectionReportEntry[] | undefined
  fastify.decorateRequest(VERIFIED, null)

  // The user's config and predicate are read here (getters included): what they throw leaves as an
  // Error, never as a falsy value that the user's plugin rejects with and avvio reads as loaded.
  fastify.addHook('onRoute', (route) => {
    try {
      compile(route)
    } catch (thrown) {
      throw asError(thrown)
    }
  })

  function compile(route: RouteOptions): void {
    const config = route.config as RouteConfig | undefined
    const raw = config?.protect
    const entry = {
      method: String(route.method),
      url: route.url,
      protect: null as string | null,
      requiredScopes: [] as readonly string[],
      public: false,
      monitoringRoute: config?.monitoringRoute === true,
      adminRoute: false,
      seen: true,
    }
    if (raw === undefined) {
      seen.push({ route, entry, compiled: undefined })
      return
    }
    const name = routeName(route)
    if (typeof raw !== 'function') throw new FBI_SECURITY_INVALID_PROTECT(name)
    const predicate: Predicate = toPredicate(raw as PredicateLike)
    const impossible = impossibleInputs(route, predicate)
    if (impossible !== undefined) throw new FBI_SECURITY_IMPOSSIBLE_PROTECT(name, impossible)
    const isPublic = predicate.isPublic === true
    // The proof the route's hooks set on each request they let through; known before they exist.
    const proof: { -readonly [K in keyof CompiledProtection]: CompiledProtection[K] } = {
      raw,
      isPublic,
      onRequest: undefined,
      preValidation: undefined,
    }
    // A public route is left alone: no token is asked for.
    if (!isPublic) {
      const hooks = compileRoute(runtime, predicate, proof)
      proof.onRequest = hooks.onRequest
      proof.preValidation = hooks.preValidation
      route.onRequest = prependHook(route.onRequest, hooks.onRequest)
      if (hooks.preValidation) route.preValidation = prependHook(route.preValidation, hooks.preValidation)
    }
    const compiled: CompiledProtection = Object.freeze(proof)
    // A fresh object (the user's may be shared with a route we never saw); Fastify copies it into
    // the route's context config, where the late check finds the mark.
    route.config = { ...route.config, [COMPILED]: compiled } as typeof route.config
    Object.assign(entry, {
      protect: predicate.description,
      requiredScopes: predicate.requiredScopes,
      public: isPublic,
    })
    seen.push({ route, entry, compiled })
  }

  // Fail closed, before every handler: a route with `config.protect` runs its handler only when its
  // own hooks let the request through. This catches a protected route added before this plugin (never
  // compiled), hooks a later plugin replaced, and a `protect` changed after compile, whatever the
  // registration order. An application hook: a later plugin can add hooks, not remove this one.
  fastify.addHook('preHandler', function fbiSecurityVerified(request, reply, done) {
    const config = request.routeOptions.config as RouteConfig | undefined
    const compiled = config?.[COMPILED]
    if (compiled === undefined) {
      if (config?.protect === undefined) done()
      else
        internalError(
          request,
          reply,
          'Route has config.protect but @fbi/security never compiled it: refused',
          {
            route: `${request.method} ${request.routeOptions.url}`,
          },
        )
      return
    }
    if (
      config?.protect === compiled.raw &&
      (compiled.isPublic || (request as ProvenRequest)[VERIFIED] === compiled)
    ) {
      done()
      return
    }
    internalError(request, reply, 'Protected route reached its handler without its verification: refused', {
      route: `${request.method} ${request.routeOptions.url}`,
    })
  })

  fastify.addHook('onReady', async function fbiSecurityAudit() {
    try {
      audit()
    } catch (thrown) {
      // The warnings go through the app's logger: a falsy throw would read as a passed audit.
      throw asError(thrown)
    }
  })

  function audit(): void {
    const changed: string[] = []
    for (const { route, compiled } of seen) {
      const why = changedSinceCompile(route, compiled)
      if (why !== undefined) changed.push(`${routeName(route)} (${why})`)
    }
    if (changed.length > 0) throw new FBI_SECURITY_PROTECTION_CHANGED(changed.join('; '))
    const audited = auditRouteTable(
      fastify,
      seen.map((s) => s.entry),
      options,
    )
    report = audited.report
    if (audited.failure !== undefined) throw audited.failure
  }

  fastify.decorate('protectionReport', (): ProtectionReportEntry[] =>
    (report ?? seen.map((s) => s.entry)).map((entry) => ({ ...entry })),
  )
}
