import type { FastifyInstance, FastifyRequest } from 'fastify'

/** @fbi/monitoring's request decorator, read by name: this package does not depend on monitoring. */
interface RefusalHolder {
  refusal: { reason: string; code?: string } | null
}

/**
 * Where the reason of a refused request (a 4xx answered here) is logged: on the request's one line
 * when @fbi/monitoring writes one (it then decorates requests with `refusal`), else on a line of
 * its own, as without monitoring. Known at onReady, whatever the order the plugins came in.
 */
export class RefusalLog {
  #onRequestLine = false

  constructor(fastify: FastifyInstance) {
    fastify.addHook('onReady', (done) => {
      this.#onRequestLine = fastify.hasRequestDecorator('refusal')
      done()
    })
  }

  /** Logs why `request` was refused: `details` carries `reason` and, when it has one, `errorCode`. */
  refused(
    request: FastifyRequest,
    level: 'info' | 'warn',
    message: string,
    details: { reason?: unknown; errorCode?: unknown } & Record<string, unknown>,
  ): void {
    if (!this.#onRequestLine) {
      request.log[level](details, message)
      return
    }
    const reason = typeof details.reason === 'string' ? details.reason : message
    const code = typeof details.errorCode === 'string' ? details.errorCode : undefined
    ;(request as FastifyRequest & RefusalHolder).refusal = code === undefined ? { reason } : { reason, code }
  }
}
