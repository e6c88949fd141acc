import type { FastifyInstance } from 'fastify'

/**
 * The first parameter matched with nothing (`/p/` against `/p/:id`), or undefined: a path with one
 * does not name a resource. A wildcard may match nothing (`/static/*` serves `/static/`).
 */
export function emptyParameter(params: unknown): string | undefined {
  const values = params as Record<string, unknown>
  for (const key in values) {
    if (values[key] === '' && key !== '*') return key
  }
  return undefined
}

/** True when the route pattern declares `key` optional (`/p/:id?`): empty is then a value it allows. */
export function isOptionalParameter(url: string | undefined, key: string): boolean {
  return url?.includes(`:${key}?`) === true
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
        if (found !== null && emptyParameter(found.params) === undefined) allowed.push(method)
      }
      return allowed.sort()
    },
  }
}
