import type { FastifyServerOptions } from 'fastify'
import fastify from 'fastify'

type LogControllerClass = NonNullable<FastifyServerOptions['logController']>
type LogControllerCtor = new (opts?: { requestIdLogLabel?: string }) => LogControllerClass

// Fastify 5.12 moved request logging into a LogController (the top-level options now warn as
// deprecated); older 5.x releases only know the top-level options.
const BaseLogController = (fastify as unknown as { LogController?: LogControllerCtor }).LogController

/**
 * Drops Fastify's "incoming request" and "request completed" lines, which the monitoring plugin's one
 * line per request replaces, but keeps its error lines ("request errored", stream errors).
 * Undefined on Fastify releases before 5.12, which take `disableRequestLogging` instead.
 */
export function fbiLogController(requestIdLogLabel: string): LogControllerClass | undefined {
  if (BaseLogController === undefined) return undefined
  class FbiLogController extends BaseLogController {
    override incomingRequest(): void {}
    override requestCompleted(...args: Parameters<LogControllerClass['requestCompleted']>): void {
      if (args[0]) super.requestCompleted(...args)
    }
  }
  return new FbiLogController({ requestIdLogLabel })
}
