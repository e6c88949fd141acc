import { isProduction as environmentIsProduction, type FbiConfig } from '@fbi/config'
import type { FastifyPluginAsync, RouteOptions } from 'fastify'
import fp from 'fastify-plugin'
import {
  FBI_SECURITY_INVALID_OPTION,
  FBI_SECURITY_INVALID_PROTECT,
  FBI_SECURITY_JWKS_UNAVAILABLE,
  FBI_SECURITY_UNPROTECTED_ROUTES,
} from './errors.js'
import { type IssuerDefinition, issuersFromConfig, resolveIssuers } from './issuers.js'
import { JWKS_METRIC_NAMES, JwksMetrics } from './jwks-metrics.js'
import type { JwtClaims, Predicate, PredicateLike } from './predicates.js'
import { toPredicate } from './predicates.js'
import { compileRoute, type ProtectionRuntime, type RouteHook } from './protect.js'
import { createSystemJwtClient, type SystemJwtClient } from './system-jwt.js'
import { TokenVerifier } from './verifier.js'

export {
  ASYMMETRIC_ALGORITHMS,
  type AsymmetricAlgorithm,
  HS_ALGORITHMS,
  HS_MIN_KEY_BYTES,
  type HsAlgorithm,
} from './algorithms.js'
export { currentJwtUser } from './current-user.js'
export * from './errors.js'
export type { HsIssuer, IssuerDefinition, JwksIssuer } from './issuers.js'
export type { JwksFailureReason, JwksStatus } from './jwks.js'
export { JWKS_METRIC_NAMES } from './jwks-metrics.js'
export * from './predicates.js'
export { bearerToken } from './protect.js'
export { createSystemJwtClient, type SystemJwtClient, type SystemJwtClientOptions } from './system-jwt.js'

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

declare module 'fastify' {
  interface FastifyInstance {
    /** Every route registered after @fbi/security, with its protection. */
    protectionReport(): ProtectionReportEntry[]
    /** A system token from the system-token service (undefined when IGNORE_JWT_VALIDATION is on). */
    getSystemJwt(systemId: string): Promise<string | undefined>
    /** Adds `Authorization: Bearer <system token>` to `headers` (unchanged when IGNORE_JWT_VALIDATION is on). */
    addSystemJwtToHeaders<H extends Record<string, string>>(
      headers: H,
      systemId: string,
    ): Promise<H & { Authorization?: string }>
  }
  interface FastifyRequest {
    /** The verified token's normalised claims. Set on protected routes; null on routes without `protect`. */
    jwtClaims: JwtClaims
    /** The verified token's scopes. Set on protected routes; null on routes without `protect`. */
    jwtScopes: readonly string[]
  }
  interface FastifyContextConfig {
    /** Who may call this route (@fbi/security). `publicRoute` marks a deliberate exception. */
    protect?: PredicateLike
  }
}

export interface FbiSecurityOptions {
  /** Extra issuers, verified besides the ones the configuration turns on. Default: []. */
  issuers?: IssuerDefinition[]
  /** Also trust the issuers from `app.config` (jwt, auth0, customAuth0, epr groups). Default: true. */
  configIssuers?: boolean
  /** Leeway for `exp` and `nbf`, in seconds. Default: 0 (as the seed). */
  clockToleranceSec?: number
  /** Refuse tokens whose `iat` is older than this many seconds (then `iat` is required). Default: undefined (no limit). */
  maxTokenAge?: number
  /** How many verified tokens to remember (LRU, never past `exp`); 0 turns the cache off. Default: 10000. */
  cacheSize?: number
  /** How long a fetched JWKS is fresh before it is refreshed in the background. Default: 600000 (10 min). */
  jwksCacheTtlMs?: number
  /** Deadline of one JWKS fetch. Default: 5000. */
  jwksFetchTimeoutMs?: number
  /** Minimum time between two JWKS fetches, so unknown kids cannot hammer the provider. Default: 10000. */
  jwksCooldownMs?: number
  /** Fail startup when a route (other than monitoring routes) has no `config.protect`. Default: false. */
  requireProtection?: boolean
  /** Overrides `app.config.environment` (ENVIRONMENT). Default: from config. */
  environment?: string
  /** Overrides IGNORE_JWT_VALIDATION; disregarded in production. Default: from config (false). */
  ignoreJwtValidation?: boolean
  /** Overrides the system-token service base URL. Default: SYSTEM_AUTH_URL_SCHEME://SYSTEM_AUTH_HOST:SYSTEM_AUTH_PORT. */
  systemAuthUrl?: string
  /** Deadline of one system-token request. Default: 5000. */
  systemJwtTimeoutMs?: number
}

/** Marks the route config of every route whose protection was compiled. */
const COMPILED = Symbol('fbi.security.compiled')
const INTERNAL_ERROR_BODY = '{"code":500,"message":"Internal Server Error"}'

function checkNonNegative(name: string, value: unknown, integer: boolean): void {
  if (
    typeof value !== 'number' ||
    !Number.isFinite(value) ||
    value < 0 ||
    (integer && !Number.isInteger(value))
  ) {
    throw new FBI_SECURITY_INVALID_OPTION(name, `must be a non-negative ${integer ? 'integer' : 'number'}`)
  }
}

function checkBoolean(name: string, value: unknown): void {
  if (value !== undefined && typeof value !== 'boolean')
    throw new FBI_SECURITY_INVALID_OPTION(name, 'must be a boolean')
}

function routeName(route: Pick<RouteOptions, 'method' | 'url'>): string {
  return `${Array.isArray(route.method) ? route.method.join(',') : route.method} ${route.url}`
}

function prependHook(existing: unknown, hook: RouteHook): RouteHook[] {
  if (existing === undefined || existing === null) return [hook]
  return Array.isArray(existing) ? [hook, ...(existing as RouteHook[])] : [hook, existing as RouteHook]
}

const fbiSecurity: FastifyPluginAsync<FbiSecurityOptions> = async (fastify, opts) => {
  // Present: fastify-plugin's `decorators` check refuses to register us without @fbi/config.
  const config: FbiConfig = fastify.config
  const {
    issuers: extraIssuers = [],
    configIssuers = true,
    clockToleranceSec = 0,
    maxTokenAge,
    cacheSize = 10_000,
    jwksCacheTtlMs = 600_000,
    jwksFetchTimeoutMs = 5_000,
    jwksCooldownMs = 10_000,
    requireProtection = false,
    systemJwtTimeoutMs = 5_000,
  } = opts
  if (!Array.isArray(extraIssuers)) throw new FBI_SECURITY_INVALID_OPTION('issuers', 'must be a list')
  checkBoolean('configIssuers', configIssuers)
  checkBoolean('requireProtection', requireProtection)
  checkBoolean('ignoreJwtValidation', opts.ignoreJwtValidation)
  checkNonNegative('clockToleranceSec', clockToleranceSec, false)
  if (maxTokenAge !== undefined) checkNonNegative('maxTokenAge', maxTokenAge, false)
  checkNonNegative('cacheSize', cacheSize, true)
  checkNonNegative('jwksCacheTtlMs', jwksCacheTtlMs, true)
  checkNonNegative('jwksCooldownMs', jwksCooldownMs, true)
  checkNonNegative('systemJwtTimeoutMs', systemJwtTimeoutMs, true)
  checkNonNegative('jwksFetchTimeoutMs', jwksFetchTimeoutMs, true)
  if (jwksFetchTimeoutMs === 0)
    throw new FBI_SECURITY_INVALID_OPTION('jwksFetchTimeoutMs', 'must be positive')
  if (systemJwtTimeoutMs === 0)
    throw new FBI_SECURITY_INVALID_OPTION('systemJwtTimeoutMs', 'must be positive')
  if (opts.environment !== undefined && (typeof opts.environment !== 'string' || opts.environment === '')) {
    throw new FBI_SECURITY_INVALID_OPTION('environment', 'must be a non-empty string')
  }

  const environment = opts.environment ?? config.environment
  const isProduction =
    opts.environment === undefined ? config.isProduction : environmentIsProduction(environment)
  const ignoreRequested = opts.ignoreJwtValidation ?? config.jwt?.ignoreJwtValidation ?? false
  if (ignoreRequested && isProduction) {
    // As the seed: routes of a production service always verify, whatever the switch says.
    fastify.log.warn('IGNORE_JWT_VALIDATION is disregarded in production: every token is verified')
  }
  const ignoreValidation = ignoreRequested && !isProduction

  const issuers = resolveIssuers([...(configIssuers ? issuersFromConfig(config) : []), ...extraIssuers], {
    internalAudience: config.jwt?.internalIssuer,
    isProduction,
    warn: (details, message) => fastify.log.warn(details, message),
  })

  const metricsRegistry = fastify.hasDecorator('metricsRegistry')
    ? (fastify as unknown as { metricsRegistry: unknown }).metricsRegistry
    : undefined
  const jwksMetrics = metricsRegistry === undefined ? undefined : new JwksMetrics()

  const verifier = new TokenVerifier(issuers, {
    clockToleranceSec,
    maxTokenAge,
    cacheSize,
    ttlMs: jwksCacheTtlMs,
    timeoutMs: jwksFetchTimeoutMs,
    cooldownMs: jwksCooldownMs,
    onFetch: (url, failure) => {
      jwksMetrics?.record(url, failure)
      if (failure !== null) fastify.log.warn({ jwksUrl: url, reason: failure.message }, 'JWKS fetch failed')
    },
  })
  if (jwksMetrics !== undefined && verifier.jwksStores.length > 0) {
    const registry = metricsRegistry as Parameters<JwksMetrics['register']>[0]
    if (!jwksMetrics.register(registry)) {
      fastify.log.warn(
        { metrics: Object.values(JWKS_METRIC_NAMES) },
        'JWKS metrics not registered: metricsRegistry is not a prom-client registry, or already has them',
      )
    }
  }
  if (issuers.length === 0) fastify.log.warn('@fbi/security has no issuer: every protected route answers 401')

  const runtime: ProtectionRuntime = { verifier, environment, isProduction, ignoreValidation }

  fastify.decorateRequest('jwtClaims', null as unknown as JwtClaims)
  fastify.decorateRequest('jwtScopes', null as unknown as readonly string[])

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
    const compiled = compileRoute(runtime, predicate, !ignoreValidation)
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
    request.log.error(
      { route: `${request.method} ${request.routeOptions.url}` },
      'Route has config.protect but was registered before @fbi/security: refused',
    )
    reply.code(500).header('content-type', 'application/json; charset=utf-8').send(INTERNAL_ERROR_BODY)
  })

  if (requireProtection) {
    fastify.addHook('onReady', async () => {
      if (unprotected.length > 0) throw new FBI_SECURITY_UNPROTECTED_ROUTES(unprotected.join('; '))
    })
  }

  fastify.decorate('protectionReport', (): ProtectionReportEntry[] => report.map((entry) => ({ ...entry })))

  const jwt = config.jwt
  const systemAuthUrl =
    opts.systemAuthUrl ??
    (jwt
      ? `${jwt.systemAuthUrlScheme}://${jwt.systemAuthHost}:${jwt.systemAuthPort}`
      : 'http://localhost:7000')
  const systemJwt: SystemJwtClient = createSystemJwtClient({
    baseUrl: systemAuthUrl,
    timeoutMs: systemJwtTimeoutMs,
    disabled: ignoreValidation,
  })
  fastify.decorate('getSystemJwt', systemJwt.getSystemJwt)
  fastify.decorate('addSystemJwtToHeaders', systemJwt.addSystemJwtToHeaders)

  if (verifier.jwksStores.length > 0 && fastify.hasDecorator('addHealthCheck')) {
    const stores = verifier.jwksStores
    const register = (
      fastify as unknown as { addHealthCheck: (name: string, check: () => Promise<unknown>) => void }
    ).addHealthCheck
    register.call(fastify, 'jwks', async () => {
      const statuses = await Promise.all(stores.map((store) => store.status()))
      const empty = statuses.find((status) => status.keys === 0)
      // Cached keys keep verifying while the provider is down, so that is degraded, not failed.
      if (empty) throw new FBI_SECURITY_JWKS_UNAVAILABLE(empty.url, empty.lastError ?? 'no key fetched yet')
      return statuses
    })
  }
}

const plugin = fp(fbiSecurity, {
  name: '@fbi/security',
  fastify: '5.x',
  dependencies: ['@fbi/config'],
  decorators: { fastify: ['config'] },
})
export default plugin
export { plugin as fbiSecurity }
