import type { FastifyInstance } from 'fastify'

/**
 * A route another battery added and announced: @fbi/monitoring's (`app.monitoringRoutes()`: its
 * probes and its admin routes) and @fbi/schema's swagger-ui (`app.docsRoutes()`: admin routes).
 * Read by name, at onReady: this package depends on neither, and in @fbi/all both are registered
 * before it, out of its onRoute hook's reach.
 */
interface AnnouncedRoute {
  readonly method: string
  readonly url: string
  readonly admin: boolean
}

/** What the protection report needs of a battery's route. */
export interface BatteryRoute {
  /** An admin route (behind @fbi/monitoring's admin guard); else a probe, open on purpose. */
  readonly admin: boolean
  /** Added by @fbi/monitoring. */
  readonly monitoring: boolean
}

/** The batteries' routes, by `METHOD url`, and what guards their admin routes (null: nothing does). */
export interface BatteryRoutes {
  find(method: string, url: string): BatteryRoute | undefined
  readonly adminGuard: string | null
}

function announced(fastify: FastifyInstance, decorator: string): readonly AnnouncedRoute[] {
  if (!fastify.hasDecorator(decorator)) return []
  const list = fastify.getDecorator<() => unknown>(decorator)()
  return Array.isArray(list) ? (list as AnnouncedRoute[]) : []
}

/** Reads what @fbi/monitoring and @fbi/schema announce (call once every route exists: onReady). */
export function batteryRoutes(fastify: FastifyInstance): BatteryRoutes {
  const routes = new Map<string, BatteryRoute>()
  for (const [decorator, monitoring] of [
    ['monitoringRoutes', true],
    ['docsRoutes', false],
  ] as const) {
    for (const route of announced(fastify, decorator)) {
      routes.set(`${route.method} ${route.url}`, { admin: route.admin === true, monitoring })
    }
  }
  const guard = fastify.hasDecorator('adminGuard')
    ? fastify.getDecorator<{ description?: unknown }>('adminGuard').description
    : null
  return {
    // Exactly as announced: a route of the service's own that differs by a trailing slash is its own.
    find: (method, url) => routes.get(`${method} ${url}`),
    adminGuard: typeof guard === 'string' ? guard : null,
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
