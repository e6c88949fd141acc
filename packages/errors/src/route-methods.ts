import type { FastifyInstance } from 'fastify'

/** A parameter matched with nothing (`/p/` against `/p/:id`): the path does not name a resource. */
export function hasEmptyParameter(params: unknown): boolean {
  const values = params as Record<string, unknown>
  for (const key in values) {
    // A wildcard may match nothing (`/static/*` serves `/static/`); a named parameter may not.
    if (values[key] === '' && key !== '*') return true
  }
  return false
}

/** The methods a path is routed for, learnt from the routes as they are added. */
export interface RouteMethods {
  /** The methods with a route matching `url` (with every parameter non-empty), sorted. */
  allowedFor(url: string): string[]
}

/**
 * Records the method of every route added from now on (an `onRoute` hook: once per route, nothing
 * per request), and finds a path's methods through Fastify's public `findRoute`, asking the router
 * once per method known to be routed. Only not-found requests pay for it.
 */
export function routeMethods(fastify: FastifyInstance): RouteMethods {
  const methods = new Set<string>()
  fastify.addHook('onRoute', (route) => {
    for (const method of Array.isArray(route.method) ? route.method : [route.method]) methods.add(method)
  })
  return {
    allowedFor(url) {
      const allowed: string[] = []
      for (const method of methods) {
        const found = fastify.findRoute({ method: method as 'GET', url })
        if (found !== null && !hasEmptyParameter(found.params)) allowed.push(method)
      }
      return allowed.sort()
    },
  }
}
