import type { FastifyEtagOptions } from '@fastify/etag'
import type {} from '@fbi/config'
import type {
  FastifyPluginAsync,
  FastifyReply,
  FastifyRequest,
  onResponseHookHandler,
  onSendHookHandler,
  RouteOptions,
} from 'fastify'
import fp from 'fastify-plugin'
import { Registry } from 'prom-client'
import { type Deprecation, deprecationHeaders } from './deprecation.js'
import { FBI_MONITORING_INVALID_OPTION } from './errors.js'
import { etagOnSend } from './etag.js'
import { type HealthCheck, type HealthCheckOptions, HealthChecks } from './health.js'
import { destinationOf } from './log-destination.js'
import { processMetricsRegistry, RequestMetrics, type RouteRecorder } from './metrics.js'
import { requestIdHook } from './request-id.js'
import { logRequest } from './request-log.js'
import { monitoringRoutes } from './routes.js'
import { type GracefulShutdownOptions, installGracefulShutdown } from './shutdown.js'
import { resolveVersion } from './version.js'

export type { FastifyEtagOptions } from '@fastify/etag'
export type { Deprecation, DeprecationHeaders } from './deprecation.js'
export { deprecationHeaders } from './deprecation.js'
export {
  FBI_MONITORING_DUPLICATE_HEALTH_CHECK,
  FBI_MONITORING_INVALID_DEPRECATION,
  FBI_MONITORING_INVALID_HEALTH_CHECK,
  FBI_MONITORING_INVALID_OPTION,
} from './errors.js'
export type { HealthCheck, HealthCheckOptions, HealthCheckResult, HealthReport } from './health.js'
export {
  type FbiLoggerOptions,
  type LogDestination,
  type LogDestinationOptions,
  type LogTarget,
  logDestination,
} from './log-destination.js'
export { METRIC_NAMES } from './metrics.js'
export {
  isValidRequestId,
  MAX_REQUEST_ID_LENGTH,
  type MonitoringServerOptions,
  type MonitoringServerOptionsInput,
  monitoringServerOptions,
  REQUEST_ID_HEADER,
} from './request-id.js'
export { CLIP_AT, clip } from './request-log.js'
export type { GracefulShutdownOptions } from './shutdown.js'
export type { VersionInfo } from './version.js'

declare module 'fastify' {
  interface FastifyInstance {
    /**
     * Registers a readiness check run by GET /healthcheck (@fbi/monitoring). It passes when it returns
     * or resolves (the value becomes the result's `output`) and fails when it throws, rejects or times out.
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
  }
}

export interface FbiMonitoringOptions {
  /** How long a health check may take before it fails, in milliseconds (per check: `addHealthCheck`'s `timeoutMs`). Default: 5000. */
  healthCheckTimeoutMs?: number
  /** How long a passed check's result is reused, in milliseconds; 0 runs checks on every probe. Default: 27000 (the seed's). */
  healthCheckSuccessTtlMs?: number
  /** How long a failed check's result is reused, in milliseconds. Default: 9000 (the seed's). */
  healthCheckFailureTtlMs?: number
  /** Directory holding the build files `build-circleci.txt` and `build-githash.txt`, read when BUILD_NUMBER / GIT_HASH are unset. Default: "/app". */
  buildInfoDir?: string
  /** The service version GET /version shows. Default: the `version` of `process.cwd()/package.json`, else "unknown". */
  serviceVersion?: string
  /** Register GET /debug (echoes the request headers). Default: true outside production, false in production. */
  debugRoute?: boolean
  /** Serve GET /metrics and record request metrics. Default: true. */
  metrics?: boolean
  /** Include prom-client's process and Node.js metrics (CPU, memory, event loop lag, GC), collected once per process. Default: true. */
  processMetrics?: boolean
  /** The prom-client registry to use. Default: a new registry per app (so several apps in one process do not collide). */
  registry?: Registry
  /** Request duration histogram buckets, in seconds. Default: prom-client's [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]. */
  durationBuckets?: number[]
  /**
   * Generate a UUID request id when a request has no valid X-Request-ID. Used when the server was not
   * built with `monitoringServerOptions` (which takes its own `generateRequestId`).
   * Default: `app.config.logRequestIdGenerateIfNotFound` (LOG_REQUEST_ID_GENERATE_IF_NOT_FOUND, true).
   */
  generateRequestId?: boolean
  /** Write one info log line per request. Default: true. */
  requestLog?: boolean
  /** Send `Cache-Control: no-cache, must-revalidate`, `Pragma: no-cache` and `Expires: 0` unless the route set Cache-Control. Default: true. */
  noCacheHeaders?: boolean
  /** ETags and 304s on GET and HEAD 2xx responses: true, false, or @fastify/etag options (algorithm, weak, hashFn). Default: true. */
  etag?: boolean | FastifyEtagOptions
  /** On SIGTERM/SIGINT: fail readiness, wait, close the app, exit. `false` installs no signal handler. Default: { delayMs: 5000, timeoutMs: 10000 }. */
  gracefulShutdown?: GracefulShutdownOptions | false
}

interface ResolvedOptions {
  healthCheckTimeoutMs: number
  healthCheckSuccessTtlMs: number
  healthCheckFailureTtlMs: number
  buildInfoDir: string
  serviceVersion: string | undefined
  debugRoute: boolean
  metrics: boolean
  processMetrics: boolean
  registry: Registry
  durationBuckets: number[] | undefined
  generateRequestId: boolean
  requestLog: boolean
  noCacheHeaders: boolean
  etag: FastifyEtagOptions | false
  gracefulShutdown: Required<GracefulShutdownOptions> | false
}

function invalid(name: string, why: string): never {
  throw new FBI_MONITORING_INVALID_OPTION(name, why)
}

function integer(name: string, value: unknown, fallback: number, min: number): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    invalid(name, `must be an integer >= ${min}`)
  }
  return value
}

function boolean(name: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback
  if (typeof value !== 'boolean') invalid(name, 'must be a boolean')
  return value
}

function optionalString(name: string, value: unknown): string | undefined {
  if (value === undefined) return undefined
  if (typeof value !== 'string' || value.length === 0) invalid(name, 'must be a non-empty string')
  return value
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

interface ConfigView {
  isProduction?: boolean
  logRequestIdGenerateIfNotFound?: boolean
  buildNumber?: string
  gitHash?: string
}

function resolveOptions(opts: FbiMonitoringOptions, config: ConfigView): ResolvedOptions {
  if (!isObject(opts)) invalid('options', 'must be an object')
  const buckets = opts.durationBuckets
  if (
    buckets !== undefined &&
    (!Array.isArray(buckets) ||
      buckets.length === 0 ||
      !buckets.every((b, i) => typeof b === 'number' && b > 0 && (i === 0 || b > (buckets[i - 1] as number))))
  ) {
    invalid('durationBuckets', 'must be a non-empty increasing array of positive numbers')
  }
  if (opts.registry !== undefined && !(opts.registry instanceof Registry)) {
    invalid('registry', 'must be a prom-client Registry')
  }
  const etag = opts.etag ?? true
  if (typeof etag !== 'boolean' && !isObject(etag))
    invalid('etag', 'must be a boolean or @fastify/etag options')
  const shutdown = opts.gracefulShutdown ?? {}
  if (shutdown !== false && !isObject(shutdown))
    invalid('gracefulShutdown', 'must be false or { delayMs?, timeoutMs? }')
  const buildInfoDir = optionalString('buildInfoDir', opts.buildInfoDir) ?? '/app'
  return {
    healthCheckTimeoutMs: integer('healthCheckTimeoutMs', opts.healthCheckTimeoutMs, 5000, 1),
    healthCheckSuccessTtlMs: integer('healthCheckSuccessTtlMs', opts.healthCheckSuccessTtlMs, 27_000, 0),
    healthCheckFailureTtlMs: integer('healthCheckFailureTtlMs', opts.healthCheckFailureTtlMs, 9000, 0),
    buildInfoDir,
    serviceVersion: optionalString('serviceVersion', opts.serviceVersion),
    debugRoute: boolean('debugRoute', opts.debugRoute, config.isProduction === false),
    metrics: boolean('metrics', opts.metrics, true),
    processMetrics: boolean('processMetrics', opts.processMetrics, true),
    registry: opts.registry ?? new Registry(),
    durationBuckets: buckets,
    generateRequestId: boolean(
      'generateRequestId',
      opts.generateRequestId,
      config.logRequestIdGenerateIfNotFound ?? true,
    ),
    requestLog: boolean('requestLog', opts.requestLog, true),
    noCacheHeaders: boolean('noCacheHeaders', opts.noCacheHeaders, true),
    etag: etag === true ? {} : etag,
    gracefulShutdown:
      shutdown === false
        ? false
        : {
            delayMs: integer('gracefulShutdown.delayMs', shutdown.delayMs, 5000, 0),
            timeoutMs: integer('gracefulShutdown.timeoutMs', shutdown.timeoutMs, 10_000, 1),
          },
  }
}

type Hook<T> = T | T[] | undefined

function append<T>(existing: Hook<T>, added: T[], first = false): Hook<T> {
  if (added.length === 0) return existing
  // Always a new array: Fastify shares the options of a GET route with its automatic HEAD route.
  if (existing === undefined) return added
  const current = Array.isArray(existing) ? existing : [existing]
  return first ? added.concat(current) : current.concat(added)
}

const GET_OR_HEAD = new Set(['GET', 'HEAD'])

const fbiMonitoring: FastifyPluginAsync<FbiMonitoringOptions> = async (fastify, rawOpts) => {
  const config: ConfigView = fastify.config
  const opts = resolveOptions(rawOpts, config)

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
  fastify.decorate('metricsRegistry', opts.registry)

  const requestMetrics = opts.metrics ? new RequestMetrics(opts.registry, opts.durationBuckets) : undefined
  // Response bodies of non-2xx responses, kept from onSend to onResponse for the log line.
  const errorBodies = new WeakMap<FastifyRequest, unknown>()
  const { requestLog, noCacheHeaders } = opts

  fastify.addHook('onRequest', requestIdHook(opts.generateRequestId))

  const onSend: onSendHookHandler = function fbiResponseHeaders(request, reply, payload, done) {
    if (noCacheHeaders && !reply.hasHeader('cache-control')) {
      reply.header('cache-control', 'no-cache, must-revalidate')
      if (!reply.hasHeader('pragma')) reply.header('pragma', 'no-cache')
      if (!reply.hasHeader('expires')) reply.header('expires', '0')
    }
    // While shutting down, keep-alive connections would hold server.close() open until the timeout:
    // ask clients to reconnect (to another instance) after this response.
    if (health.shuttingDown) reply.header('connection', 'close')
    const status = reply.statusCode
    if (requestLog && (status < 200 || status > 299)) errorBodies.set(request, payload)
    done(null, payload)
  }
  fastify.addHook('onSend', onSend)

  if (requestLog) {
    // Matched routes log from their own onResponse hook (see onRoute); this one covers unknown URLs.
    fastify.addHook('onResponse', function fbiNotFoundLog(request, reply, done) {
      if (request.is404) {
        const url = request.url
        const query = url.indexOf('?')
        logRequest(request, reply, query === -1 ? url : url.slice(0, query), errorBodies)
      }
      done()
    })
  }

  const etag = opts.etag === false ? undefined : await etagOnSend(opts.etag)

  fastify.addHook('onRoute', (route: RouteOptions) => {
    if (route.config?.monitoringRoute === true) return
    const url = route.url
    const methods = Array.isArray(route.method) ? route.method : [route.method]
    const onSend: onSendHookHandler[] = []
    const onResponse: onResponseHookHandler[] = []

    if (route.config?.deprecated !== undefined) {
      const headers = deprecationHeaders(methods.join(','), url, route.config.deprecated, new Date())
      const countCall = requestMetrics?.deprecatedCall(methods.join(','), url)
      const message = `Deprecated route called: ${methods.join(',')} ${url}`
      const logged = { deprecated: { route: url, ...headers } }
      // At onSend, so the headers also reach responses a hook ended early (401, 403, 429 ...).
      onSend.push(function fbiDeprecated(request, reply, payload, done) {
        reply.header('deprecation', headers.deprecation)
        if (headers.link !== undefined) reply.header('link', headers.link)
        if (headers.sunset !== undefined) reply.header('sunset', headers.sunset)
        request.log.warn(logged, message)
        countCall?.()
        done(null, payload)
      } as onSendHookHandler)
    }

    if (etag !== undefined && methods.some((method) => GET_OR_HEAD.has(method))) {
      if (methods.every((method) => GET_OR_HEAD.has(method))) {
        onSend.push(etag)
      } else {
        onSend.push(function fbiEtagGetOnly(this: unknown, request, reply, payload, done) {
          if (GET_OR_HEAD.has(request.method)) return etag.call(this as never, request, reply, payload, done)
          done(null, payload)
        } as onSendHookHandler)
      }
    }

    const record: RouteRecorder | undefined = requestMetrics?.forRoute(url, methods)
    if (record !== undefined || requestLog) {
      onResponse.push(function fbiRouteResponse(
        request: FastifyRequest,
        reply: FastifyReply,
        done: () => void,
      ) {
        if (record !== undefined) record(request.method, reply.statusCode, reply.elapsedTime)
        if (requestLog) logRequest(request, reply, url, errorBodies)
        done()
      })
    }

    // First, as an app-level @fastify/etag hook would be, and before the HEAD route's hook drops the body.
    route.onSend = append(route.onSend, onSend, true)
    route.onResponse = append(route.onResponse, onResponse)
  })

  const version = resolveVersion({
    buildNumber: config.buildNumber,
    gitHash: config.gitHash,
    buildInfoDir: opts.buildInfoDir,
    serviceVersion: opts.serviceVersion,
    cwd: process.cwd(),
  })
  const registry = opts.registry
  // Unless the caller's registry already collects them (e.g. prom-client's global one).
  const processRegistry =
    opts.metrics &&
    opts.processMetrics &&
    registry.getSingleMetric('process_cpu_user_seconds_total') === undefined
      ? processMetricsRegistry()
      : undefined
  await fastify.register(monitoringRoutes, {
    health,
    version,
    debugRoute: opts.debugRoute,
    metrics: opts.metrics
      ? async () => ({
          contentType: registry.contentType,
          body:
            processRegistry === undefined
              ? await registry.metrics()
              : `${await registry.metrics()}\n${await processRegistry.metrics()}`,
        })
      : undefined,
  })

  // The log file monitoringServerOptions({ logger: { file } }) opened belongs to this app: write
  // what it holds and release the descriptor with it (stdout is only flushed).
  const logDestinationOfApp = destinationOf(fastify.log)
  if (logDestinationOfApp !== undefined) {
    fastify.addHook('onClose', (_instance, done) => {
      logDestinationOfApp.close()
      done()
    })
  }

  // Once closing starts Fastify answers new requests with 503; readiness must say failure too.
  fastify.addHook('preClose', (done) => {
    health.markShuttingDown()
    done()
  })

  if (opts.gracefulShutdown !== false) {
    const shutdown = installGracefulShutdown(fastify, fastify.log, opts.gracefulShutdown, () =>
      health.markShuttingDown(),
    )
    fastify.addHook('onClose', (_instance, done) => {
      shutdown.uninstall()
      done()
    })
  }
}

const plugin = fp(fbiMonitoring, {
  name: '@fbi/monitoring',
  fastify: '5.x',
  dependencies: ['@fbi/config'],
  decorators: { fastify: ['config'] },
})
export default plugin
export { plugin as fbiMonitoring }
