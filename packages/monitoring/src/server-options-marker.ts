import type { Server } from 'node:http'
import type { FastifyInstance, FastifyRouterOptions } from 'fastify'

/**
 * How the plugin knows that the server was built with `monitoringServerOptions` (fbiServerOptions):
 * they add this key to `routerOptions`, which Fastify keeps, with the keys it does not know, in the
 * documented, frozen `fastify.initialConfig` (find-my-way ignores it). A Fastify option was needed
 * because what the options change (the log controller, genReqId) is not readable from a plugin.
 */
export const SERVER_OPTIONS_MARKER = 'fbiServerOptions'

/** The routerOptions that carry the marker; spread them into your own routerOptions to keep it. */
export type MarkedRouterOptions = FastifyRouterOptions<Server> & { readonly [SERVER_OPTIONS_MARKER]: true }

export function markedRouterOptions(): MarkedRouterOptions {
  return { [SERVER_OPTIONS_MARKER]: true }
}

function builtWithServerOptions(fastify: FastifyInstance): boolean {
  const { routerOptions, disableRequestLogging } = fastify.initialConfig
  // Fastify releases before routerOptions drop the key; there the options turn request logging off.
  return (
    (routerOptions !== undefined && Object.hasOwn(routerOptions, SERVER_OPTIONS_MARKER)) ||
    disableRequestLogging === true
  )
}

/** Once, when the plugin registers: what a server built without the options costs, and the fix. */
export function warnWithoutServerOptions(fastify: FastifyInstance): void {
  if (builtWithServerOptions(fastify)) return
  // Advice only: a logger that throws here must not stop the service from starting (at request time
  // the plugin's hooks fail closed on it).
  try {
    fastify.log.warn(
      "This Fastify instance was built without fbiServerOptions: Fastify logs two lines per request beside fbi's one, each request's logger is rebuilt for its X-Request-ID and slow clients are never cut off (about half the requests per second on a protected route). Build it with Fastify(fbiServerOptions({ logger: true })) from @fbi/all, or monitoringServerOptions from @fbi/monitoring; with routerOptions of your own, spread theirs in.",
    )
  } catch {}
}
