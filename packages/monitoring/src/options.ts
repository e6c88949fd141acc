import { getHashes } from 'node:crypto'
import { COMPAT_MODES, type FbiCompat } from '@fbi/config'
import { Registry } from 'prom-client'
import {
  type AdminConfigView,
  adminOptions,
  type FbiAdminOptions,
  type ResolvedAdminOptions,
} from './admin-options.js'
import type { FbiEtagOptions } from './etag.js'
import { FLASK_BUCKETS } from './metrics.js'
import {
  booleanOption,
  choiceOption,
  integerOption,
  invalid,
  isPlainObject,
  stringOption,
} from './option-checks.js'
import type { GracefulShutdownOptions } from './shutdown.js'

export interface FbiMonitoringOptions {
  /** How long a health check may take before it fails, in milliseconds (per check: `addHealthCheck`'s `timeoutMs`). Default: 5000. */
  healthCheckTimeoutMs?: number
  /** How long a passed check's result is reused, in milliseconds; 0 runs checks on every probe. Default: 27000 (the seed's). */
  healthCheckSuccessTtlMs?: number
  /** How long a failed check's result is reused, in milliseconds. Default: 9000 (the seed's). */
  healthCheckFailureTtlMs?: number
  /**
   * The admin routes (/metrics, /version, /debug, @fbi/schema's /docs): on a port of their own, and/or
   * behind a static bearer token. Default: from ADMIN_PORT and ADMIN_TOKEN; neither set, they answer
   * anyone on the service's port, as in the seed.
   */
  admin?: FbiAdminOptions
  /**
   * What an unauthenticated caller of /healthcheck and its groups sees: 'full' (the results, the
   * seed's answer) or 'status' (`{ status }` alone; the admin port or the admin token still see the
   * results). Default: 'full'.
   */
  healthDetails?: HealthDetailsLevel
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
  /**
   * Request duration histogram buckets, in seconds. Default: prom-client's [0.005, 0.01, 0.025, 0.05,
   * 0.1, 0.25, 0.5, 1, 2.5, 5, 10]; with `compat: 'flask'` the Python client's (0.075, 0.75 and 7.5 too).
   */
  durationBuckets?: number[]
  /**
   * Generate a UUID request id when a request has no valid X-Request-ID. Used when the server was not
   * built with `monitoringServerOptions` (which takes its own `generateRequestId`).
   * Default: `app.config.logRequestIdGenerateIfNotFound` (LOG_REQUEST_ID_GENERATE_IF_NOT_FOUND, true).
   */
  generateRequestId?: boolean
  /** Write one info log line per request. Default: true. */
  requestLog?: boolean
  /**
   * Write the request and response bodies of non-2xx responses in the request's line (redacted,
   * clipped); a route's `config.logBodies` wins. Default: true outside production, false in production.
   */
  logBodies?: boolean
  /** Send `Cache-Control: no-cache, must-revalidate`, `Pragma: no-cache` and `Expires: 0` unless the route set Cache-Control. Default: true. */
  noCacheHeaders?: boolean
  /** ETags and 304s on GET and HEAD 2xx responses: true, false, or `{ algorithm, weak }`. Default: true (sha1, strong). */
  etag?: boolean | FbiEtagOptions
  /** On SIGTERM/SIGINT: fail readiness, wait, close the app, exit. `false` installs no signal handler. Default: { delayMs: 5000, timeoutMs: 10000 }. */
  gracefulShutdown?: GracefulShutdownOptions | false
  /**
   * 'flask' answers as Flask Batteries Included did where fbi differs (metric names, /version,
   * /healthcheck, Deprecation dates, request ids; the README lists them); false for fbi's own.
   * Default: `app.config.compat`.
   */
  compat?: FbiCompat | false
}

/**
 * Every option with its default applied. Derived from FbiMonitoringOptions, so a new option is one
 * line there and one in `resolveOptions`; only the options whose resolved shape differs are named.
 */
/** How much of a health report an unauthenticated caller sees. */
export type HealthDetailsLevel = 'full' | 'status'

export type ResolvedMonitoringOptions = Omit<
  Required<FbiMonitoringOptions>,
  'serviceVersion' | 'etag' | 'gracefulShutdown' | 'compat' | 'admin'
> & {
  admin: ResolvedAdminOptions
  serviceVersion: string | undefined
  etag: Required<FbiEtagOptions> | false
  gracefulShutdown: Required<GracefulShutdownOptions> | false
  compat: FbiCompat | null
}

/** What the options read from `app.config` (@fbi/config). */
export interface MonitoringConfigView extends AdminConfigView {
  compat?: FbiCompat | null
  isProduction?: boolean
  logRequestIdGenerateIfNotFound?: boolean
}

/** The defaults that do not depend on `app.config`, each written once. */
export const DEFAULTS = Object.freeze({
  healthCheckTimeoutMs: 5000,
  healthCheckSuccessTtlMs: 27_000,
  healthCheckFailureTtlMs: 9000,
  healthDetails: 'full' as HealthDetailsLevel,
  buildInfoDir: '/app',
  metrics: true,
  processMetrics: true,
  durationBuckets: Object.freeze([0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]),
  requestLog: true,
  noCacheHeaders: true,
  gracefulShutdown: Object.freeze({ delayMs: 5000, timeoutMs: 10_000 }),
  etag: Object.freeze({ algorithm: 'sha1', weak: false }),
})

function buckets(value: unknown, compat: FbiCompat | null): number[] {
  if (value === undefined) return [...(compat === 'flask' ? FLASK_BUCKETS : DEFAULTS.durationBuckets)]
  if (
    !Array.isArray(value) ||
    value.length === 0 ||
    !value.every((b, i) => typeof b === 'number' && b > 0 && (i === 0 || b > value[i - 1]))
  ) {
    invalid('durationBuckets', 'must be a non-empty increasing array of positive numbers')
  }
  return [...value]
}

function etagOptions(value: unknown): Required<FbiEtagOptions> | false {
  if (value === false) return false
  if (value === undefined || value === true) return { ...DEFAULTS.etag }
  if (!isPlainObject(value)) invalid('etag', 'must be a boolean or { algorithm?, weak? }')
  const algorithm = value.algorithm ?? DEFAULTS.etag.algorithm
  if (typeof algorithm !== 'string' || !getHashes().includes(algorithm)) {
    invalid('etag.algorithm', `must be one of Node's hash algorithms (crypto.getHashes())`)
  }
  return { algorithm, weak: booleanOption('etag.weak', value.weak, DEFAULTS.etag.weak) }
}

/** Checks the plugin options and applies the defaults; throws FBI_MONITORING_INVALID_OPTION. */
export function resolveOptions(opts: unknown, config: MonitoringConfigView): ResolvedMonitoringOptions {
  if (!isPlainObject(opts)) invalid('options', 'must be an object')
  if (opts.registry !== undefined && !(opts.registry instanceof Registry)) {
    invalid('registry', 'must be a prom-client Registry')
  }
  const shutdown = opts.gracefulShutdown ?? {}
  if (shutdown !== false && !isPlainObject(shutdown)) {
    invalid('gracefulShutdown', 'must be false or { delayMs?, timeoutMs? }')
  }
  const defaultShutdown = DEFAULTS.gracefulShutdown
  if (
    opts.compat !== undefined &&
    opts.compat !== false &&
    !COMPAT_MODES.includes(opts.compat as FbiCompat)
  ) {
    invalid('compat', `must be false or one of: ${COMPAT_MODES.join(', ')}`)
  }
  const compat =
    opts.compat === undefined ? (config.compat ?? null) : (opts.compat as FbiCompat | false) || null
  return {
    healthCheckTimeoutMs: integerOption(
      'healthCheckTimeoutMs',
      opts.healthCheckTimeoutMs,
      DEFAULTS.healthCheckTimeoutMs,
      1,
    ),
    healthCheckSuccessTtlMs: integerOption(
      'healthCheckSuccessTtlMs',
      opts.healthCheckSuccessTtlMs,
      DEFAULTS.healthCheckSuccessTtlMs,
      0,
    ),
    healthCheckFailureTtlMs: integerOption(
      'healthCheckFailureTtlMs',
      opts.healthCheckFailureTtlMs,
      DEFAULTS.healthCheckFailureTtlMs,
      0,
    ),
    admin: adminOptions(opts.admin, config),
    healthDetails: choiceOption(
      'healthDetails',
      opts.healthDetails,
      ['full', 'status'],
      DEFAULTS.healthDetails,
    ),
    buildInfoDir: stringOption('buildInfoDir', opts.buildInfoDir) ?? DEFAULTS.buildInfoDir,
    serviceVersion: stringOption('serviceVersion', opts.serviceVersion),
    debugRoute: booleanOption('debugRoute', opts.debugRoute, config.isProduction === false),
    metrics: booleanOption('metrics', opts.metrics, DEFAULTS.metrics),
    processMetrics: booleanOption('processMetrics', opts.processMetrics, DEFAULTS.processMetrics),
    registry: (opts.registry as Registry | undefined) ?? new Registry(),
    durationBuckets: buckets(opts.durationBuckets, compat),
    generateRequestId: booleanOption(
      'generateRequestId',
      opts.generateRequestId,
      config.logRequestIdGenerateIfNotFound ?? true,
    ),
    requestLog: booleanOption('requestLog', opts.requestLog, DEFAULTS.requestLog),
    logBodies: booleanOption('logBodies', opts.logBodies, config.isProduction === false),
    noCacheHeaders: booleanOption('noCacheHeaders', opts.noCacheHeaders, DEFAULTS.noCacheHeaders),
    etag: etagOptions(opts.etag),
    gracefulShutdown:
      shutdown === false
        ? false
        : {
            delayMs: integerOption('gracefulShutdown.delayMs', shutdown.delayMs, defaultShutdown.delayMs, 0),
            timeoutMs: integerOption(
              'gracefulShutdown.timeoutMs',
              shutdown.timeoutMs,
              defaultShutdown.timeoutMs,
              1,
            ),
          },
    compat,
  }
}
