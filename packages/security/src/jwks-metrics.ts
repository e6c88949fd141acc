import type { Counter } from 'prom-client'
import type { JwksFetchFailure } from './jwks.js'

/** Metric names, so dashboards and alerts can be written against them. */
export const JWKS_METRIC_NAMES = Object.freeze({
  fetches: 'fbi_jwks_fetches_total',
  failures: 'fbi_jwks_fetch_failures_total',
} as const)

/** Counts JWKS fetches per URL and outcome, and failures per URL and reason. */
export interface JwksMetrics {
  record(url: string, failure: JwksFetchFailure | null): void
}

/**
 * Two prom-client Counters registered on `registry` (@fbi/monitoring's `metricsRegistry`). JWKS
 * fetches are rare, so prom-client's own Counter is cheap enough. prom-client is an optional peer
 * dependency: imported only when a registry is there, from the same installation as the registry's,
 * so `instanceof` holds. The reason, as a string, when nothing could be registered.
 */
export async function createJwksMetrics(registry: unknown): Promise<JwksMetrics | string> {
  let promClient: typeof import('prom-client')
  try {
    promClient = await import('prom-client')
  } catch {
    return 'prom-client is not installed'
  }
  if (!(registry instanceof promClient.Registry)) return 'metricsRegistry is not a prom-client Registry'
  // A registry shared by two apps in one process already has them: the first app's counters stay.
  if (
    registry.getSingleMetric(JWKS_METRIC_NAMES.fetches) !== undefined ||
    registry.getSingleMetric(JWKS_METRIC_NAMES.failures) !== undefined
  ) {
    return 'metricsRegistry already has them'
  }
  const fetches: Counter<'jwks_url' | 'outcome'> = new promClient.Counter({
    name: JWKS_METRIC_NAMES.fetches,
    help: 'JWKS fetches, by JWKS URL and outcome (success or failure)',
    labelNames: ['jwks_url', 'outcome'],
    registers: [registry],
  })
  const failures: Counter<'jwks_url' | 'reason'> = new promClient.Counter({
    name: JWKS_METRIC_NAMES.failures,
    help: 'JWKS fetches that gave no usable key set, by JWKS URL and reason',
    labelNames: ['jwks_url', 'reason'],
    registers: [registry],
  })
  return {
    record(url, failure) {
      fetches.inc({ jwks_url: url, outcome: failure === null ? 'success' : 'failure' })
      if (failure !== null) failures.inc({ jwks_url: url, reason: failure.reason })
    },
  }
}
