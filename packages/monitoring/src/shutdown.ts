import closeWithGrace from 'close-with-grace'
import type { FastifyBaseLogger, FastifyInstance } from 'fastify'
import type { HealthChecks } from './health.js'
import { destinationOf } from './log-destination.js'

export interface GracefulShutdownOptions {
  /**
   * After SIGTERM, how long the service keeps serving (with /healthcheck failing) so load balancers
   * stop sending traffic before the server closes. SIGINT (Ctrl-C) skips this wait. Default: 5000.
   */
  delayMs?: number
  /** How long closing (in-flight requests, pools, onClose hooks) may take before the process exits with 1. Default: 10000. */
  timeoutMs?: number
}

export interface ShutdownHandle {
  uninstall: () => void
}

/**
 * SIGTERM: readiness fails at once, wait `delayMs`, then `app.close()` (Fastify lets in-flight requests
 * finish; pools close in their onClose hooks), exit. Only SIGTERM and SIGINT are handled: a plugin
 * has no business taking over uncaughtException or unhandledRejection for the whole process.
 */
export function installGracefulShutdown(
  app: FastifyInstance,
  log: FastifyBaseLogger,
  opts: Required<GracefulShutdownOptions>,
  onSignal: () => void,
): ShutdownHandle {
  const handle = closeWithGrace(
    {
      delay: opts.delayMs + opts.timeoutMs,
      logger: { error: (message: unknown) => log.error({ err: message }, 'Graceful shutdown failed') },
      skip: [
        'SIGHUP',
        'SIGQUIT',
        'SIGILL',
        'SIGTRAP',
        'SIGABRT',
        'SIGBUS',
        'SIGFPE',
        'SIGSEGV',
        'SIGUSR2',
      ].concat(['uncaughtException', 'unhandledRejection', 'beforeExit']) as closeWithGrace.AllEvents[],
    },
    async ({ signal }) => {
      onSignal()
      log.info({ signal }, 'Shutting down: readiness now fails')
      // The delay lets load balancers stop sending traffic; a server that never listened (still
      // starting) has none to drain.
      if (signal === 'SIGTERM' && opts.delayMs > 0 && app.server.listening) {
        await new Promise((resolve) => setTimeout(resolve, opts.delayMs))
      }
      await app.close()
      log.info('Server closed')
    },
  )
  return { uninstall: handle.uninstall }
}

/**
 * What the plugin does when the app closes: readiness fails from the start of closing (Fastify then
 * answers new requests with 503), `shutdownSignal` is aborted (on SIGTERM/SIGINT at once, even while
 * the app is still starting and closing would have to wait for it), the log file `monitoringServerOptions({ logger: { file } })` opened
 * is written and closed with the app (stdout is only flushed), and SIGTERM/SIGINT are handled while
 * the app is open.
 */
export function closeWithApp(
  fastify: FastifyInstance,
  health: HealthChecks,
  gracefulShutdown: Required<GracefulShutdownOptions> | false,
  shutdown: AbortController,
): void {
  const stop = () => {
    health.markShuttingDown()
    shutdown.abort()
  }
  fastify.addHook('preClose', (done) => {
    stop()
    done()
  })
  const logFile = destinationOf(fastify.log)
  if (logFile !== undefined) {
    fastify.addHook('onClose', (_instance, done) => {
      logFile.close()
      done()
    })
  }
  if (gracefulShutdown !== false) {
    const signals = installGracefulShutdown(fastify, fastify.log, gracefulShutdown, stop)
    fastify.addHook('onClose', (_instance, done) => {
      signals.uninstall()
      done()
    })
  }
}
