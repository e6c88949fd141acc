import { Counter, collectDefaultMetrics, type Metric, Registry } from 'prom-client'

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

/** One method + route + status code: the numbers behind a histogram series and a counter series. */
interface Series {
  readonly labels: { method: string; route: string; status_code: string }
  /** Observations per bucket (not cumulative); the last slot is +Inf. */
  readonly buckets: number[]
  sum: number
  count: number
}

interface MetricValue {
  labels: Record<string, string | number>
  value: number
  metricName?: string
}

/**
 * A metric prom-client's Registry can render: it reads `name`, `help`, `type` and `get()`.
 * prom-client's own Histogram hashes the label object on every observation, even through
 * `labels()`; these series are found once per route and status code and then only incremented.
 */
class SeriesMetric {
  readonly aggregator = 'sum'
  constructor(
    readonly name: string,
    readonly help: string,
    readonly type: 'histogram' | 'counter',
    private readonly render: () => MetricValue[],
    private readonly clear: () => void,
  ) {}

  async get(): Promise<{
    name: string
    help: string
    type: string
    aggregator: string
    values: MetricValue[]
  }> {
    return {
      name: this.name,
      help: this.help,
      type: this.type,
      aggregator: this.aggregator,
      values: this.render(),
    }
  }

  reset(): void {
    this.clear()
  }
}

/** Records one finished request of a route: its method, status code and duration in milliseconds. */
export type RouteRecorder = (method: string, statusCode: number, elapsedMs: number) => void

/** The request metrics: a duration histogram and a request counter fed by the same series. */
export class RequestMetrics {
  readonly #series: Series[] = []
  readonly #bounds: readonly number[]
  readonly #deprecated: Counter<'method' | 'route'>

  constructor(registry: Registry, buckets: readonly number[]) {
    this.#bounds = [...buckets]
    const clear = () => {
      for (const series of this.#series) {
        series.buckets.fill(0)
        series.sum = 0
        series.count = 0
      }
    }
    const duration = new SeriesMetric(
      METRIC_NAMES.duration,
      'Request duration in seconds, by method, route pattern and status code',
      'histogram',
      () => this.#histogramValues(),
      clear,
    )
    const requests = new SeriesMetric(
      METRIC_NAMES.requests,
      'Requests answered, by method, route pattern and status code',
      'counter',
      () => this.#series.map((series) => ({ labels: series.labels, value: series.count })),
      clear,
    )
    registry.registerMetric(duration as unknown as Metric)
    registry.registerMetric(requests as unknown as Metric)
    this.#deprecated = new Counter({
      name: METRIC_NAMES.deprecated,
      help: 'Calls to deprecated routes, by method and route pattern',
      labelNames: ['method', 'route'],
      registers: [registry],
    })
  }

  #histogramValues(): MetricValue[] {
    const values: MetricValue[] = []
    const bucketName = `${METRIC_NAMES.duration}_bucket`
    for (const series of this.#series) {
      let cumulative = 0
      for (let i = 0; i <= this.#bounds.length; i++) {
        cumulative += series.buckets[i] as number
        const le = i < this.#bounds.length ? (this.#bounds[i] as number) : '+Inf'
        values.push({ metricName: bucketName, labels: { le, ...series.labels }, value: cumulative })
      }
      values.push({ metricName: `${METRIC_NAMES.duration}_sum`, labels: series.labels, value: series.sum })
      values.push({
        metricName: `${METRIC_NAMES.duration}_count`,
        labels: series.labels,
        value: series.count,
      })
    }
    return values
  }

  #newSeries(method: string, route: string, statusCode: number): Series {
    const series: Series = {
      labels: { method, route, status_code: String(statusCode) },
      buckets: new Array<number>(this.#bounds.length + 1).fill(0),
      sum: 0,
      count: 0,
    }
    this.#series.push(series)
    return series
  }

  /** A recorder for one route pattern, called from that route's own onResponse hook. */
  forRoute(route: string, methods: readonly string[]): RouteRecorder {
    const bounds = this.#bounds
    const last = bounds.length
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
      const seconds = elapsedMs / 1000
      let bucket = 0
      while (bucket < last && seconds > (bounds[bucket] as number)) bucket++
      series.buckets[bucket] = (series.buckets[bucket] as number) + 1
      series.sum += seconds
      series.count++
    }
  }

  /** A counter child for one deprecated route. */
  deprecatedCall(method: string, route: string): () => void {
    const labels = { method, route }
    return () => this.#deprecated.inc(labels)
  }
}
