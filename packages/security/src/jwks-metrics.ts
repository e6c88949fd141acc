import type { JwksFailureReason, JwksFetchFailure } from './jwks.js'

/** Metric names, so dashboards and alerts can be written against them. */
export const JWKS_METRIC_NAMES = {
  fetches: 'fbi_jwks_fetches_total',
  failures: 'fbi_jwks_fetch_failures_total',
} as const

/** The part of prom-client's Registry we use; @fbi/monitoring's `metricsRegistry` is one. */
interface RegistryLike {
  getSingleMetric(name: string): unknown
  registerMetric(metric: unknown): void
}

interface Value {
  labels: Record<string, string>
  value: number
}

/**
 * A counter prom-client's Registry can render (it reads name, help, type, aggregator and get()),
 * so this package needs no prom-client of its own: the registry is whatever monitoring created.
 */
class CounterView {
  readonly type = 'counter'
  readonly aggregator = 'sum'
  readonly name: string
  readonly help: string
  private readonly values: () => Value[]
  private readonly clear: () => void

  constructor(name: string, help: string, values: () => Value[], clear: () => void) {
    this.name = name
    this.help = help
    this.values = values
    this.clear = clear
  }

  async get(): Promise<{ name: string; help: string; type: string; aggregator: string; values: Value[] }> {
    return {
      name: this.name,
      help: this.help,
      type: this.type,
      aggregator: this.aggregator,
      values: this.values(),
    }
  }

  reset(): void {
    this.clear()
  }
}

/** Counts JWKS fetches per URL and outcome, and failures per URL and reason. */
export class JwksMetrics {
  private readonly fetches = new Map<string, Value>()
  private readonly failures = new Map<string, Value>()

  /**
   * Registers both counters on `registry`; false (nothing registered) when it is not a registry or
   * one of the names is taken, e.g. a registry shared by two apps in one process.
   */
  register(registry: RegistryLike): boolean {
    if (
      typeof registry.getSingleMetric !== 'function' ||
      typeof registry.registerMetric !== 'function' ||
      registry.getSingleMetric(JWKS_METRIC_NAMES.fetches) !== undefined ||
      registry.getSingleMetric(JWKS_METRIC_NAMES.failures) !== undefined
    ) {
      return false
    }
    const clear = () => {
      for (const value of this.fetches.values()) value.value = 0
      for (const value of this.failures.values()) value.value = 0
    }
    registry.registerMetric(
      new CounterView(
        JWKS_METRIC_NAMES.fetches,
        'JWKS fetches, by JWKS URL and outcome (success or failure)',
        () => [...this.fetches.values()],
        clear,
      ),
    )
    registry.registerMetric(
      new CounterView(
        JWKS_METRIC_NAMES.failures,
        'JWKS fetches that gave no usable key set, by JWKS URL and reason',
        () => [...this.failures.values()],
        clear,
      ),
    )
    return true
  }

  record(url: string, failure: JwksFetchFailure | null): void {
    const outcome = failure === null ? 'success' : 'failure'
    increment(this.fetches, `${url}\u0000${outcome}`, { jwks_url: url, outcome })
    if (failure !== null) {
      const reason: JwksFailureReason = failure.reason
      increment(this.failures, `${url}\u0000${reason}`, { jwks_url: url, reason })
    }
  }
}

function increment(series: Map<string, Value>, key: string, labels: Record<string, string>): void {
  const existing = series.get(key)
  if (existing === undefined) series.set(key, { labels, value: 1 })
  else existing.value += 1
}
