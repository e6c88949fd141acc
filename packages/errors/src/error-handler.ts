import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import { classifyError, type ErrorDecision } from './classify.js'
import type { ResolvedErrorsOptions } from './options.js'
import type { RefusalLog } from './refusal-log.js'
import type { SendError } from './send-error.js'

function logDecision(
  request: FastifyRequest,
  error: unknown,
  decision: ErrorDecision,
  refusals: RefusalLog,
): void {
  const { statusCode, logLevel, message } = decision
  if (logLevel === 'error') {
    request.log.error({ err: error, statusCode }, message)
    return
  }
  // A client's mistake is not our failure: no stack trace, just what was refused and why (on the
  // request's one line when @fbi/monitoring writes it).
  const { code, message: reason } = error as { code?: unknown; message?: unknown }
  refusals.refused(request, logLevel, message, { statusCode, errorCode: code, reason })
}

/**
 * The error handler: every thrown or rejected value, whatever it is, answered in the one shape with
 * the status `classifyError` decides. Never throws itself (Fastify would then answer with its own
 * body and the value's message): a value the logger cannot serialise is logged by its type.
 */
export function errorHandler(options: ResolvedErrorsOptions, send: SendError, refusals: RefusalLog) {
  const { exposeServerErrors, compat } = options
  return function fbiErrorHandler(error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
    const thrown: unknown = error
    const decision = classifyError(thrown, exposeServerErrors, compat)
    try {
      logDecision(request, thrown, decision, refusals)
    } catch {
      // The logger itself may be what throws (a custom loggerInstance): the answer goes out anyway,
      // since a throw from here would reach Fastify, which sends a non-Error value as a 200 body.
      try {
        request.log.error(
          { statusCode: decision.statusCode, thrownType: typeof thrown },
          'A value that cannot be logged was thrown',
        )
      } catch {}
    }
    return send(request, reply, decision)
  }
}
