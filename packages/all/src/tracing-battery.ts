import type { FastifyPluginAsync } from 'fastify'
import { FBI_ALL_TRACING_NOT_INSTALLED } from './errors.js'

/**
 * @fbi/tracing's options, as @fbi/all takes them. Written here rather than imported, so that
 * @fbi/all's types do not need @fbi/tracing, which a service that does not trace does not install;
 * a type test checks that they are the same.
 */
export interface AllTracingOptions {
  /** The service's name on its spans. Default: OTEL_SERVICE_NAME. */
  serviceName?: string
  /** Trace the routes of @fbi/monitoring (probes, /metrics). Default: false. */
  traceMonitoringRoutes?: boolean
  /** A span for every hook of every request. Default: false. */
  instrumentHooks?: boolean
}

export type TracingImporter = () => Promise<{ default: FastifyPluginAsync<AllTracingOptions> }>

/** Node's error for a package that is not installed. */
function isNotInstalled(error: unknown): boolean {
  return (
    typeof error === 'object' &&
    error !== null &&
    (error as { code?: unknown }).code === 'ERR_MODULE_NOT_FOUND' &&
    String((error as { message?: unknown }).message).includes("'@fbi/tracing'")
  )
}

/**
 * @fbi/tracing, imported only when an OTLP endpoint is configured: it is an optional peer
 * dependency, and a service that does not trace neither installs nor loads it (nor the
 * OpenTelemetry SDK it brings). Configured but not installed is a startup error, not silence.
 */
export async function loadTracing(
  importer: TracingImporter = () => import('@fbi/tracing'),
): Promise<FastifyPluginAsync<AllTracingOptions>> {
  try {
    return (await importer()).default
  } catch (error) {
    if (isNotInstalled(error)) throw new FBI_ALL_TRACING_NOT_INSTALLED()
    throw error
  }
}
