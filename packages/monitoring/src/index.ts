import type { Server } from 'node:http'
import type {} from '@fbi/config'
import { failClosed } from '@fbi/config/fail-closed'
import type { FastifyPluginAsync } from 'fastify'
import fp from 'fastify-plugin'
import type { Registry } from 'prom-client'
import { type AdminGuard, createAdminGuard } from './admin-guard.js'
import { adminListener } from './admin-listener.js'
import type { Deprecation } from './deprecation.js'
import { asError } from './errors.js'
import { etagOnSend } from './etag.js'
import { DEFAULT_REDACTION } from './field-redaction.js'
import { HealthChecks } from './health.js'
import type { HealthCheck, HealthCheckOptions } from './health-types.js'
import { redactionOf } from './log-redaction.js'
import { metricsExposition, RequestMetrics } from './metrics.js'
import { type FbiMonitoringOptions, type MonitoringConfigView, resolveOptions } from './options.js'
import { isCompatRequestId, isValidRequestId, requestIdHook, requestIds } from './request-id.js'
import type { RequestRefusal } from './request-log.js'
import { RequestLog } from './request-log.js'
import { responseHeaders } from './response-headers.js'
import { routeMonitoring } from './route-hooks.js'
import { type MonitoringRoute, monitoringRoutes } from './routes.js'
import { warnWithoutServerOptions } from './server-options-marker.js'
import { closeWithApp } from './shutdown.js'
import { unknownUrlHooks } from './unknown-urls.js'
import { resolveVersion } from './version.js'

export type { AdminGuard } from './admin-guard.js'
export { type FbiAdminOptions, MIN_ADMIN_TOKEN_LENGTH } from './admin-options.js'
export { CLIP_AT, clip } from './body-snapshot.js'
export type { CompiledDeprecation, Deprecation, DeprecationHeaders } from './deprecation.js'
export { compileDeprecation, deprecationHeaders } from './deprecation.js'
export {
  FBI_MONITORING_DUPLICATE_HEALTH_CHECK,
  FBI_MONITORING_HEALTH_CHECK_TIMEOUT,
  FBI_MONITORING_INVALID_DEPRECATION,
  FBI_MONITORING_INVALID_HEALTH_CHECK,
  FBI_MONITORING_INVALID_OPTION,
  FBI_MONITORING_LOG_LINES_DROPPED,
  FBI_MONITORING_NON_ERROR_THROWN,
} from './errors.js'
export type { FbiEtagOptions } from './etag.js'
export { REDACTED_FIELDS } from './field-redaction.js'
export { HEALTH_GROUP_PATHS } from './health-routes.js'
export {
  HEALTH_GROUPS,
  type HealthCheck,
  type HealthCheckOptions,
  type HealthCheckResult,
  type HealthGroup,
  type HealthReport,
} from './health-types.js'
export {
  type LogDestination,
  type LogDestinationOptions,
  type LogTarget,
  logDestination,
} from './log-destination.js'
export { logRedaction } from './log-redaction.js'
export type { FbiLoggerOptions, LoggerConfig } from './logger-options.js'
export { FLASK_METRIC_NAMES, METRIC_NAMES } from './metrics.js'
export type { FbiMonitoringOptions, HealthDetailsLevel } from './options.js'
export {
  isCompatRequestId,
  isValidRequestId,
  MAX_COMPAT_REQUEST_ID_LENGTH,
  MAX_REQUEST_ID_LENGTH,
  REQUEST_ID_HEADER,
} from './request-id.js'
export type { RequestRefusal } from './request-log.js'
export type { MonitoringRoute } from './routes.js'
export { SERVER_LIMITS, type ServerLimits } from './server-limits.js'
export {
  type MonitoringServerOptions,
  type MonitoringServerOptionsInput,
  monitoringServerOptions,
} from './server-options.js'
export type { MarkedRouterOptions } from './server-options-marker.js'
export type { GracefulShutdownOptions } from './shutdown.js'
export type { VersionInfo } from './version.js'

declare module 'fastify' {
  interface FastifyInstance {
    /**
     * Registers a health check run by GET /healthcheck and the probes of its `groups` (readiness by
     * default) (@fbi/monitoring). It passes when it returns or resolves (the value becomes the
     * result's `output`) and fails when it throws, rejects, times out, or returns `false` or an Error.
     */
    addHealthCheck(name: string, check: HealthCheck, opts?: HealthCheckOptions): void
    /** The prom-client registry behind GET /metrics; add your own metrics to it (@fbi/monitoring). */
    metricsRegistry: Registry
    /** How the admin routes are guarded (@fbi/monitoring); other batteries' admin routes run its `onRequest`. */
    adminGuard: AdminGuard
    /** The admin port's listener once the app is ready, null without an admin port (@fbi/monitoring). */
    readonly adminServer: Server | null
    /** Every route @fbi/monitoring added, admin routes marked, for @fbi/security's protection report. */
    monitoringRoutes(): readonly MonitoringRoute[]
    /**
     * Aborted when the app starts closing (SIGTERM, SIGINT or `app.close()`) (@fbi/monitoring): work
     * that waits while the app starts (another instance's migration lock) stops waiting.
     */
    readonly shutdownSignal: AbortSignal
  }
  interface FastifyContextConfig {
    /**
     * Set on the routes @fbi/monitoring adds: no request log, no request metrics. Not an exemption from
     * @fbi/security's requireProtection: what exempts them is `app.monitoringRoutes()`.
     */
    monitoringRoute?: boolean
    /** Set on admin routes (behind `app.adminGuard`): the only routes, with the probes, the admin port answers. */
    adminRoute?: boolean
    /** Marks the route deprecated: Deprecation, Link and Sunset headers, a warning log and a metric. */
    deprecated?: Deprecation
    /** No request metrics for this route (fastify-metrics' route option, also read by @fbi/monitoring). */
    disableMetrics?: boolean
    /** Log the bodies of this route's non-2xx responses (redacted, clipped), or never. Default: the plugin's `logBodies`. */
    logBodies?: boolean
  }
  interface FastifyRequest {
    /**
     * Why a battery refused this request, carried by its one log line (@fbi/monitoring, with the
     * request log on). Set it with `request.setDecorator('refusal', { reason, code })` when
     * `app.hasRequestDecorator('refusal')`. Null until then.
     */
    refusal: RequestRefusal | null
  }
}

const fbiMonitoring: FastifyPluginAsync<FbiMonitoringOptions> = async (fastify, rawOpts) => {
  // Options
  const config: MonitoringConfigView & { buildNumber?: string; gitHash?: string } = fastify.config
  const opts = resolveOptions(rawOpts, config)
  const { registry, noCacheHeaders, compat } = opts
  // The request line is redacted with the logger's field list (the built-in one for a logger not ours).
  const requestLog = opts.requestLog
    ? new RequestLog(redactionOf(fastify.log) ?? DEFAULT_REDACTION, opts.logBodies)
    : undefined
  const requestMetrics = opts.metrics ? new RequestMetrics(registry, opts.durationBuckets, compat) : undefined
  warnWithoutServerOptions(fastify)

  // Decorators
  const health = new HealthChecks({
    defaultTimeoutMs: opts.healthCheckTimeoutMs,
    successTtlMs: opts.healthCheckSuccessTtlMs,
    failureTtlMs: opts.healthCheckFailureTtlMs,
    onFailure: (result) =>
      fastify.log.warn({ healthCheck: result }, `Health check '${result.checker}' failed`),
  })
  fastify.decorate(
    'addHealthCheck',
    function addHealthCheck(name: string, check: HealthCheck, o?: HealthCheckOptions) {
      health.add(name, check, o)
    },
  )
  fastify.decorate('metricsRegistry', registry)
  // The admin routes' guard, shared with the batteries that add admin routes (@fbi/schema's /docs).
  const adminGuard = createAdminGuard(opts.admin)
  fastify.decorate('adminGuard', adminGuard)
  const admin = adminListener(fastify, opts.admin, adminGuard)
  fastify.decorate('adminServer', {
    getter: () => admin.server(),
  })
  // Every route this plugin adds, for @fbi/security's protection report (no path list written twice).
  const announced: MonitoringRoute[] = []
  fastify.decorate('monitoringRoutes', (): readonly MonitoringRoute[] => Object.freeze([...announced]))
  // Present only with the request log: a battery that refuses a request records why here instead of
  // writing a line of its own, and the request's one line carries it.
  if (requestLog !== undefined) fastify.decorateRequest('refusal', null)

  // Hooks: the request id, the headers of every response
  const ids = requestIds(
    compat === 'flask' ? isCompatRequestId : isValidRequestId,
    opts.generateRequestId,
    fastify.initialConfig.requestIdHeader ?? false,
  )
  fastify.addHook('onRequest', requestIdHook(ids))
  fastify.addHook(
    'onSend',
    responseHeaders({ ids, noCacheHeaders, shuttingDown: () => health.shuttingDown, requestLog }),
  )
  const etag = opts.etag === false ? undefined : etagOnSend(opts.etag, compat === 'flask')
  unknownUrlHooks(fastify, {
    requestLog,
    record: compat === 'flask' ? requestMetrics?.forRoute('None', []) : undefined,
    etag: compat === 'flask' ? etag : undefined,
  })

  // Each route's own hooks, worked out once when it is added
  fastify.addHook('onRoute', routeMonitoring({ requestMetrics, compat, requestLog, etag }))

  // Routes
  await fastify.register(monitoringRoutes, {
    health,
    version: resolveVersion({
      buildNumber: config.buildNumber,
      gitHash: config.gitHash,
      buildInfoDir: opts.buildInfoDir,
      serviceVersion: opts.serviceVersion,
      cwd: process.cwd(),
    }),
    debugRoute: opts.debugRoute,
    compat,
    healthDetails: (request) => opts.healthDetails === 'full' || adminGuard.authenticated(request),
    metrics: opts.metrics ? metricsExposition(registry, opts.processMetrics) : undefined,
    adminGuard: adminGuard.onRequest,
    announce: (route) => announced.push(route),
  })
  if (config.isProduction !== false && adminGuard.description === null) {
    fastify.log.warn(
      { routes: [...new Set(announced.filter((r) => r.admin).map((r) => r.url))] },
      'The admin routes answer anyone on the service port: set ADMIN_PORT or ADMIN_TOKEN (@fbi/monitoring admin option)',
    )
  }

  // Closing: readiness fails first, waits during start-up stop, the app's log file is closed with it,
  // signals are handled
  const shutdown = new AbortController()
  fastify.decorate('shutdownSignal', { getter: () => shutdown.signal })
  closeWithApp(fastify, health, opts.gracefulShutdown, shutdown)
}

const plugin = fp(
  failClosed(fbiMonitoring, (thrown) =>
    asError(thrown, 'Registering @fbi/monitoring (a custom logger or an option getter)'),
  ),
  {
    name: '@fbi/monitoring',
    fastify: '5.x',
    dependencies: ['@fbi/config'],
    decorators: { fastify: ['config'] },
  },
)
export default plugin
export { plugin as fbiMonitoring }
