import type { RouteShorthandOptions } from 'fastify'

/** What every route @fbi/monitoring adds carries: marked, and not logged per request. */
export const routeDefaults = {
  config: { monitoringRoute: true },
  // Probes are not logged per request; this also quiets Fastify's own request lines for them.
  logLevel: 'warn',
} as const satisfies RouteShorthandOptions
