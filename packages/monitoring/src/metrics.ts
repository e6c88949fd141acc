import { Counter, collectDefaultMetrics, Histogram, Registry } from 'prom-client'

/** Metric names, so dashboards can be written against them. */
export const METRIC_NAMES = {
  duration: 'http_request_duration_seconds',
  requests: 'http_requests_total',
  deprecated: 'http_deprecated_requests_total',
} as const

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

const LABELS = ['method', 'route', 'status_code'] as const
type Label = (typeof LABELS)[number]

interface Children {
  observe: (seconds: number) => void
  inc: () => void
}

/** Records one finished request: its method, status and duration in milliseconds. */
export type RouteRecorder = (method: string, statusCode: number, elapsedMs: number) => void

/**
 * The request metrics. Label children are resolved once per route, method and status code and kept,
 * so a request costs two Map lookups and two additions instead of hashing a label object each time.
 */
export class RequestMetrics {
  readonly #duration: Histogram<Label>
  readonly #requests: Counter<Label>
  readonly #deprecated: Counter<'method' | 'route'>

  constructor(registry: Registry, buckets: readonly number[] | undefined) {
    this.#duration = new Histogram({
      name: METRIC_NAMES.duration,
      help: 'Request duration in seconds, by method, route pattern and status code',
      labelNames: LABELS,
      registers: [registry],
      ...(buckets === undefined ? {} : { buckets: [...buckets] }),
    })
    this.#requests = new Counter({
      name: METRIC_NAMES.requests,
      help: 'Requests answered, by method, route pattern and status code',
      labelNames: LABELS,
      registers: [registry],
    })
    this.#deprecated = new Counter({
      name: METRIC_NAMES.deprecated,
      help: 'Calls to deprecated routes, by method and route pattern',
      labelNames: ['method', 'route'],
      registers: [registry],
    })
  }

  /** A recorder for one route pattern; call it from that route's own onResponse hook. */
  forRoute(route: string): RouteRecorder {
    const byMethod = new Map<string, Map<number, Children>>()
    return (method, statusCode, elapsedMs) => {
      let byStatus = byMethod.get(method)
      if (byStatus === undefined) {
        byStatus = new Map()
        byMethod.set(method, byStatus)
      }
      let children = byStatus.get(statusCode)
      if (children === undefined) {
        const labels = { method, route, status_code: String(statusCode) }
        const hist = this.#duration.labels(labels)
        const count = this.#requests.labels(labels)
        children = { observe: (seconds) => hist.observe(seconds), inc: () => count.inc() }
        byStatus.set(statusCode, children)
      }
      children.observe(elapsedMs / 1000)
      children.inc()
    }
  }

  /** A counter child for one deprecated route, resolved once. */
  deprecatedCall(method: string, route: string): () => void {
    const child = this.#deprecated.labels({ method, route })
    return () => child.inc()
  }
}
