import { Counter, collectDefaultMetrics, Histogram, Registry, Summary } from 'prom-client'
import { type Tally, TallyCounter } from './tally-counter.js'

/** fbi's metric names (fastify-metrics' names and labels), so dashboards can be written against them. */
export const METRIC_NAMES = Object.freeze({
  duration: 'http_request_duration_seconds',
  requests: 'http_requests_total',
  deprecated: 'http_deprecated_requests_total',
} as const)

/** The original Flask Batteries Included's request metrics, served instead with `compat: 'flask'`. */
export const FLASK_METRIC_NAMES = Object.freeze({
  latency: 'flask_request_latency_seconds',
  count: 'flask_request_count_total',
  processing: 'request_processing_seconds',
} as const)

/** The Python prometheus_client's default histogram buckets, the original's. */
export const FLASK_BUCKETS: readonly number[] = Object.freeze([
  0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10,
])

let processRegistry: Registry | undefined

/**
 * prom-client's process and Node.js metrics, collected once per process and shared by every app:
 * each collection starts an event-loop-delay monitor and a GC observer that are never stopped, so
 * collecting per app would leak them (and the metrics describe the process, not the app anyway).
 */
export function processMetricsRegistry(): Registry {
  if (processRegistry === undefined) {
    processRegistry = new Registry()
    collectDefaultMetrics({ register: processRegistry })
  }
  return processRegistry
}

/**
 * What GET /metrics serves: the registry, and prom-client's process metrics once per process unless
 * the registry already collects them (e.g. prom-client's global one).
 */
export function metricsExposition(
  registry: Registry,
  processMetrics: boolean,
): () => Promise<{ contentType: string; body: string }> {
  const processes =
    processMetrics && registry.getSingleMetric('process_cpu_user_seconds_total') === undefined
      ? processMetricsRegistry()
      : undefined
  return async () => ({
    contentType: registry.contentType,
    body:
      processes === undefined
        ? await registry.metrics()
        : `${await registry.metrics()}\n${await processes.metrics()}`,
  })
}

/** What one method + route + status code records into. */
interface Series {
  observe(seconds: number): void
  readonly tally: Tally
}

type SeriesFactory = (method: string, route: string, statusCode: number) => Series

/** fbi's series: a duration histogram and a request counter by method, route pattern and status code. */
function fbiSeries(registry: Registry, buckets: readonly number[]): SeriesFactory {
  const duration = new Histogram({
    name: METRIC_NAMES.duration,
    help: 'Request duration in seconds, by method, route pattern and status code',
    labelNames: ['method', 'route', 'status_code'],
    buckets: [...buckets],
    registers: [registry],
  })
  const requests = new TallyCounter(
    registry,
    METRIC_NAMES.requests,
    'Requests answered, by method, route pattern and status code',
    ['method', 'route', 'status_code'],
  )
  return (method, route, statusCode) => {
    const labels = { method, route, status_code: String(statusCode) }
    return { observe: duration.labels(labels).observe, tally: requests.series(labels) }
  }
}

/**
 * The original's series (its names, labels, help texts and Python's default buckets); `endpoint` is
 * the route pattern, or "None" for unknown URLs as Flask's `request.endpoint` was.
 */
function flaskSeries(registry: Registry, buckets: readonly number[]): SeriesFactory {
  const latency = new Histogram({
    name: FLASK_METRIC_NAMES.latency,
    help: 'Flask Request Latency',
    labelNames: ['method', 'endpoint'],
    buckets: [...buckets],
    registers: [registry],
  })
  const count = new TallyCounter(registry, FLASK_METRIC_NAMES.count, 'Flask Request Count', [
    'method',
    'endpoint',
    'http_status',
  ])
  // A Summary without quantiles, like the Python client's: only _count and _sum.
  const processing = new Summary({
    name: FLASK_METRIC_NAMES.processing,
    help: 'Time spent processing request',
    labelNames: ['method', 'endpoint'],
    percentiles: [],
    registers: [registry],
  })
  return (method, endpoint, statusCode) => {
    const observeLatency = latency.labels({ method, endpoint }).observe
    const observeProcessing = processing.labels({ method, endpoint }).observe
    return {
      observe(seconds) {
        observeLatency(seconds)
        observeProcessing(seconds)
      },
      tally: count.series({ method, endpoint, http_status: String(statusCode) }),
    }
  }
}

/** Records one finished request of a route: its method, status code and duration in milliseconds. */
export type RouteRecorder = (method: string, statusCode: number, elapsedMs: number) => void

/** The request metrics; each route gets its own recorder, which finds its series once per status code. */
export class RequestMetrics {
  readonly #newSeries: SeriesFactory
  readonly #deprecated: Counter<'method' | 'route'>

  constructor(registry: Registry, buckets: readonly number[], compat: 'flask' | null) {
    this.#newSeries = compat === 'flask' ? flaskSeries(registry, buckets) : fbiSeries(registry, buckets)
    this.#deprecated = new Counter({
      name: METRIC_NAMES.deprecated,
      help: 'Calls to deprecated routes, by method and route pattern',
      labelNames: ['method', 'route'],
      registers: [registry],
    })
  }

  /** A recorder for one route pattern (the `endpoint` label under compat), called from its onResponse hook. */
  forRoute(route: string, methods: readonly string[]): RouteRecorder {
    // Most routes have one method: their series are found by status code alone.
    const single = methods.length === 1 ? methods[0] : undefined
    const byStatus = new Map<number, Series>()
    const byMethod = new Map<string, Map<number, Series>>()
    return (method, statusCode, elapsedMs) => {
      let statuses = byStatus
      if (method !== single) {
        let other = byMethod.get(method)
        if (other === undefined) {
          other = new Map()
          byMethod.set(method, other)
        }
        statuses = other
      }
      let series = statuses.get(statusCode)
      if (series === undefined) {
        series = this.#newSeries(method, route, statusCode)
        statuses.set(statusCode, series)
      }
      series.observe(elapsedMs / 1000)
      series.tally.count++
    }
  }

  /** A counter child for one deprecated route. */
  deprecatedCall(method: string, route: string): () => void {
    const labels = { method, route }
    return () => this.#deprecated.inc(labels)
  }
}
