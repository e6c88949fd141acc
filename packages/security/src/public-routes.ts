import type { FastifyInstance } from 'fastify'

/*
 * Routes served without a token on purpose although @fbi/security cannot read a `config.protect`
 * on them: above all the routes other plugins add before it (in @fbi/all, @fbi/monitoring's
 * endpoints and @fbi/schema's OpenAPI document and UI are registered before security, so its
 * onRoute hook never sees them or their `config.monitoringRoute`).
 */

/** @fbi/monitoring's endpoints (all read-only, no data of the service). */
export const MONITORING_ROUTES: readonly string[] = Object.freeze([
  '/running',
  '/version',
  '/healthcheck',
  '/metrics',
  '/debug',
])
/** The OpenAPI document and swagger-ui under @fbi/schema's default prefix: public, they describe the API. */
export const OPENAPI_ROUTES: readonly string[] = Object.freeze(['/docs', '/docs/*'])

/** The default of the `publicRoutes` option: the batteries' own routes, for the batteries registered. */
export function batteryPublicRoutes(fastify: FastifyInstance): { monitoring: string[]; openapi: string[] } {
  return {
    monitoring: fastify.hasPlugin('@fbi/monitoring') ? [...MONITORING_ROUTES] : [],
    // @fastify/swagger (registered by @fbi/schema's openapi) decorates `swagger`.
    openapi: fastify.hasDecorator('swagger') ? [...OPENAPI_ROUTES] : [],
  }
}

/** `'/path'` (every method) or `'METHOD /path'`; a path ending in `*` is a prefix. */
export const ROUTE_PATTERN = /^(?:([A-Z]+) )?(\/\S*)$/

/** True when (`method`, `url`) is one of `patterns` (see ROUTE_PATTERN). */
export function matchesRoutes(patterns: readonly string[], method: string, url: string): boolean {
  return patterns.some((pattern) => {
    const match = ROUTE_PATTERN.exec(pattern)
    if (match === null) return false
    const [, onlyMethod, path] = match as unknown as [string, string | undefined, string]
    if (onlyMethod !== undefined && onlyMethod !== method) return false
    return path.endsWith('*') ? url.startsWith(path.slice(0, -1)) : url === path
  })
}
