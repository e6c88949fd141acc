import type {} from '@fbi/config'
import type { FastifyPluginAsync } from 'fastify'
import fp from 'fastify-plugin'
import type { Registry } from 'prom-client'
import type { Deprecation } from './deprecation.js'
import { etagOnSend } from './etag.js'
import { type HealthCheck, type HealthCheckOptions, HealthChecks } from './health.js'
import { metricsExposition, RequestMetrics } from './metrics.js'
import { type FbiMonitoringOptions, type MonitoringConfigView, resolveOptions } from './options.js'
import { isCompatRequestId, isValidRequestId, requestIdHook, requestIds } from './request-id.js'
import { RequestLog } from './request-log.js'
import { responseHeaders } from './response-headers.js'
import { routeMonitoring } from './route-hooks.js'
import { monitoringRoutes } from './routes.js'
import { warnWithoutServerOptions } from './server-options-marker.js'
import { closeWithApp } from './shutdown.js'
import { unknownUrlHooks } from './unknown-urls.js'
import { resolveVersion } from './version.js'

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
export type { HealthCheck, HealthCheckOptions, HealthCheckResult, HealthReport } from './health.js'
export {
  type LogDestination,
  type LogDestinationOptions,
  type LogTarget,
  logDestination,
} from './log-destination.js'
export type { FbiLoggerOptions } from './logger-options.js'
export { FLASK_METRIC_NAMES, METRIC_NAMES } from './metrics.js'
export type { FbiMonitoringOptions } from './options.js'
export {
  isCompatRequestId,
  isValidRequestId,
  MAX_COMPAT_REQUEST_ID_LENGTH,
  MAX_REQUEST_ID_LENGTH,
  REQUEST_ID_HEADER,
} from './request-id.js'
export { CLIP_AT, clip } from './request-log.js'
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
     * Registers a readiness check run by GET /healthcheck (@fbi/monitoring). It passes when it returns
     * or resolves (the value becomes the result's `output`) and fails when it throws, rejects, times
     * out, or returns `false` or an Error.
     */
    addHealthCheck(name: string, check: HealthCheck, opts?: HealthCheckOptions): void
    /** The prom-client registry behind GET /metrics; add your own metrics to it (@fbi/monitoring). */
    metricsRegistry: Registry
  }
  interface FastifyContextConfig {
    /** Set on the routes @fbi/monitoring adds: no request log, no request metrics, no protection. */
    monitoringRoute?: boolean
    /** Marks the route deprecated: Deprecation, Link and Sunset headers, a warning log and a metric. */
    deprecated?: Deprecation
    /** No request metrics for this route (fastify-metrics' route option, also read by @fbi/monitoring). */
    disableMetrics?: boolean
  }
}

const fbiMonitoring: FastifyPluginAsync<FbiMonitoringOptions> = async (fastify, rawOpts) => {
  // Options
  const config: MonitoringConfigView & { buildNumber?: string; gitHash?: string } = fastify.config
  const opts = resolveOptions(rawOpts, config)
  const { registry, noCacheHeaders, compat } = opts
  const requestLog = opts.requestLog ? new RequestLog() : undefined
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
    metrics: opts.metrics ? metricsExposition(registry, opts.processMetrics) : undefined,
  })

  // Closing: readiness fails first, the app's log file is closed with it, signals are handled
  closeWithApp(fastify, health, opts.gracefulShutdown)
}

const plugin = fp(fbiMonitoring, {
  name: '@fbi/monitoring',
  fastify: '5.x',
  dependencies: ['@fbi/config'],
  decorators: { fastify: ['config'] },
})
export default plugin
export { plugin as fbiMonitoring }
