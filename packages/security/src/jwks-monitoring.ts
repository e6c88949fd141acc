import type { FastifyInstance } from 'fastify'
import { FBI_SECURITY_JWKS_UNAVAILABLE } from './errors.js'
import type { JwksFetchFailure, JwksStore } from './jwks.js'
import { createJwksMetrics, JWKS_METRIC_NAMES, type JwksMetrics } from './jwks-metrics.js'

type HealthCheckAdder = (name: string, check: () => Promise<unknown>) => void

/**
 * What @fbi/monitoring (when registered) learns about the JWKS providers: every failed fetch at
 * warn, both outcomes in /metrics, and the `jwks` health check. Reached through Fastify's public
 * decorator API, so this package does not depend on @fbi/monitoring.
 */
export class JwksMonitoring {
  private readonly fastify: FastifyInstance
  private metrics: JwksMetrics | undefined

  constructor(fastify: FastifyInstance) {
    this.fastify = fastify
  }

  /** The verifier's `onFetch`: told about every settled fetch. */
  readonly onFetch = (url: string, failure: JwksFetchFailure | null): void => {
    this.metrics?.record(url, failure)
    if (failure !== null)
      this.fastify.log.warn({ jwksUrl: url, reason: failure.message }, 'JWKS fetch failed')
  }

  /** Registers the counters and the health check for `stores` (nothing without a JWKS issuer). */
  async watch(stores: readonly JwksStore[]): Promise<void> {
    const fastify = this.fastify
    if (stores.length === 0) return
    if (fastify.hasDecorator('metricsRegistry')) {
      const metrics = await createJwksMetrics(fastify.getDecorator<unknown>('metricsRegistry'))
      if (typeof metrics === 'string') {
        fastify.log.warn(
          { metrics: Object.values(JWKS_METRIC_NAMES) },
          `JWKS metrics not registered: ${metrics}`,
        )
      } else {
        this.metrics = metrics
      }
    }
    if (fastify.hasDecorator('addHealthCheck')) {
      const addHealthCheck = fastify.getDecorator<HealthCheckAdder>('addHealthCheck')
      addHealthCheck.call(fastify, 'jwks', async () => {
        const statuses = await Promise.all(stores.map((store) => store.status()))
        const empty = statuses.find((status) => status.keys === 0)
        // Cached keys keep verifying while the provider is down, so that is degraded, not failed.
        if (empty) throw new FBI_SECURITY_JWKS_UNAVAILABLE(empty.url, empty.lastError ?? 'no key fetched yet')
        return statuses
      })
    }
  }
}
