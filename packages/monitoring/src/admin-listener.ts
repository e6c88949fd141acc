import { createServer, type Server } from 'node:http'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { AdminGuard } from './admin-guard.js'
import type { ResolvedAdminOptions } from './admin-options.js'
import { clientErrorHandler } from './client-errors.js'
import { asError } from './errors.js'
import { SERVER_LIMITS } from './server-limits.js'

/** How long closing waits for the admin listener's in-flight requests before cutting its connections. */
const CLOSE_GRACE_MS = 5000

/**
 * The admin port: a second HTTP listener of the same app (`app.routing`, Fastify's documented entry
 * to its router, so every hook, the request id and the error handler apply), bound when the app is
 * ready, so a busy port fails `listen()` instead of leaving the service without its admin routes,
 * and closed with it. It has the timeouts and limits `monitoringServerOptions` gives the service's
 * own server (SERVER_LIMITS) and its client error handler. Requests it receives are marked for the
 * admin guard; anything but an admin route or a probe answers 404 there.
 */
export function adminListener(
  fastify: FastifyInstance,
  options: ResolvedAdminOptions,
  guard: AdminGuard,
): { server: () => Server | null } {
  const port = options.port
  if (port === undefined) return { server: () => null }
  let server: Server | null = null

  // Only the admin port's requests pay for this lookup: one WeakSet miss on the service's port.
  fastify.addHook(
    'onRequest',
    function fbiAdminPortRoutes(request: FastifyRequest, reply: FastifyReply, done) {
      if (!guard.viaAdminListener(request.raw) || request.is404) {
        done()
        return
      }
      const config = request.routeOptions.config as { monitoringRoute?: unknown; adminRoute?: unknown }
      if (config.monitoringRoute === true || config.adminRoute === true) done()
      else reply.callNotFound()
    },
  )

  async function listen(): Promise<void> {
    const limits = SERVER_LIMITS
    const created = createServer({
      requestTimeout: limits.requestTimeout,
      headersTimeout: limits.headersTimeout,
      keepAliveTimeout: limits.keepAliveTimeout,
      connectionsCheckingInterval: limits.connectionsCheckingInterval,
      maxHeaderSize: limits.maxHeaderSize,
    })
    created.keepAliveTimeout = limits.keepAliveTimeout
    created.maxRequestsPerSocket = limits.maxRequestsPerSocket
    const refuse = clientErrorHandler(limits.clientErrorLogIntervalMs)
    created.on('clientError', (error, socket) => refuse.call(fastify, error, socket))
    created.on('request', (req, res) => {
      guard.markAdminRequest(req)
      fastify.routing(req, res)
    })
    await new Promise<void>((resolve, reject) => {
      created.once('error', reject)
      created.listen({ port, host: options.host }, () => {
        created.off('error', reject)
        resolve()
      })
    })
    server = created
    fastify.log.info({ adminAddress: created.address() }, 'Admin routes listening on their own port')
  }
  // Fastify reads an onReady hook rejecting with a falsy value (a custom logger's throw) as ready.
  fastify.addHook('onReady', async function fbiAdminListen() {
    try {
      await listen()
    } catch (error) {
      throw asError(error, 'Starting the admin listener (a custom logger)')
    }
  })

  fastify.addHook('onClose', async function fbiAdminClose() {
    const closing = server
    if (closing === null) return
    server = null
    await new Promise<void>((resolve) => {
      const cut = setTimeout(() => closing.closeAllConnections(), CLOSE_GRACE_MS).unref()
      closing.close(() => {
        clearTimeout(cut)
        resolve()
      })
      closing.closeIdleConnections()
    })
  })

  return { server: () => server }
}
