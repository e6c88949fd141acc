import type { TracingConfig } from '@fbi/config'
import { FBI_TRACING_INVALID_OPTION, FBI_TRACING_NOT_CONFIGURED } from './errors.js'

export interface FbiTracingOptions {
  /** The service's name on its spans. Default: `app.config.tracing.serviceName` (OTEL_SERVICE_NAME). */
  serviceName?: string
  /**
   * Trace the routes @fbi/monitoring adds (/running, /healthcheck, /metrics ...), which orchestrators
   * and scrapers call every few seconds. Default: false.
   */
  traceMonitoringRoutes?: boolean
  /** A span for every hook of every request (@fastify/otel's `instrumentHooks`), besides the request and handler spans. Default: false. */
  instrumentHooks?: boolean
}

/** The options checked, every default applied, with the configuration they were read against. */
export type ResolvedTracingOptions = Readonly<Required<FbiTracingOptions>> & {
  readonly config: TracingConfig
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function booleanOption(name: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback
  if (typeof value !== 'boolean') throw new FBI_TRACING_INVALID_OPTION(name, 'must be a boolean')
  return value
}

/** Checks the options (a wrong one is a rejected ready() naming it) and applies the defaults. */
export function resolveTracingOptions(
  opts: FbiTracingOptions,
  config: TracingConfig | undefined,
): ResolvedTracingOptions {
  if (!isPlainObject(opts as unknown)) throw new FBI_TRACING_INVALID_OPTION('options', 'must be an object')
  if (config === undefined) {
    throw new FBI_TRACING_NOT_CONFIGURED(
      'app.config.tracing is missing (was @fbi/config given tracing: false?)',
    )
  }
  const { serviceName = config.serviceName } = opts
  if (typeof serviceName !== 'string' || serviceName.length === 0) {
    throw new FBI_TRACING_INVALID_OPTION('serviceName', 'must be a non-empty string')
  }
  return Object.freeze({
    config,
    serviceName,
    traceMonitoringRoutes: booleanOption('traceMonitoringRoutes', opts.traceMonitoringRoutes, false),
    instrumentHooks: booleanOption('instrumentHooks', opts.instrumentHooks, false),
  })
}
