import { describeThrown, isError } from '@fbi/config/fail-closed'
import type { Span } from '@opentelemetry/api'
import { ATTR_ERROR_TYPE } from '@opentelemetry/semantic-conventions'
import type {
  FastifyBaseLogger,
  FastifyInstance,
  FastifyReply,
  FastifyRequest,
  onRequestHookHandler,
  onSendHookHandler,
} from 'fastify'
import { FBI_TRACING_HOOK_FAILED } from './errors.js'
import { REQUEST_SPAN, SPAN_ATTRIBUTES, type SpannedRequest } from './span-attributes.js'

/**
 * What a hook threw, as an Error: Fastify reads `done(undefined)` (or null, 0, '') as success, so a
 * falsy throw must never reach it as it is. The request is answered 500 (fail closed).
 */
function hookError(thrown: unknown): Error {
  // Described without String(): a toString or Symbol.toPrimitive that throws would escape the hook.
  return isError(thrown)
    ? thrown
    : new FBI_TRACING_HOOK_FAILED(`a non-Error was thrown (${describeThrown(thrown)})`)
}

const LOGGER: unique symbol = Symbol('fbi.tracing.logger')
type BoundRequest = SpannedRequest & { [LOGGER]: FastifyBaseLogger | null }

/** Reads a verified principal's issuer and the kind of its user id (null: no verified principal). */
export type PrincipalReader = (request: FastifyRequest) => { issuer: string; userIdKind: string } | null

function bind(request: BoundRequest, reply: FastifyReply, span: Span): void {
  const { traceId, spanId, traceFlags } = span.spanContext()
  const log = request.log.child({
    trace_id: traceId,
    span_id: spanId,
    trace_flags: traceFlags.toString(16).padStart(2, '0'),
  })
  request.log = log
  reply.log = log
  request[LOGGER] = log
}

/**
 * Hooks that join logs, traces and the security outcome: the request's logger carries its trace id
 * from onRequest on (so the request log line and every line the request writes have it), and at
 * onSend, before @fastify/otel ends the span, the span gets the request id, the verified principal's
 * issuer and user id kind, a denial (401, 403) and the error type of a 5xx answer.
 */
export function requestOutcome(fastify: FastifyInstance, principal: () => PrincipalReader | undefined): void {
  fastify.decorateRequest(LOGGER, null)

  const onRequest: onRequestHookHandler = function fbiTraceLog(request, reply, done) {
    const span = (request as BoundRequest)[REQUEST_SPAN]
    try {
      // The service's own logger (loggerInstance) may throw when asked for a child.
      if (span !== null) bind(request as BoundRequest, reply, span)
    } catch (thrown) {
      done(hookError(thrown))
      return
    }
    done()
  }

  const onSend: onSendHookHandler = function fbiTraceOutcome(request, reply, payload, done) {
    const bound = request as BoundRequest
    const span = bound[REQUEST_SPAN]
    if (span === null) {
      done(null, payload)
      return
    }
    try {
      // A plugin registered after this one may have rebuilt the logger (the request id adopted
      // without monitoringServerOptions): the request log line, written after this, gets it back.
      if (bound[LOGGER] !== request.log) bind(bound, reply, span)
    } catch (thrown) {
      done(hookError(thrown))
      return
    }
    if (span.isRecording()) {
      span.setAttribute(SPAN_ATTRIBUTES.requestId, request.id)
      const status = reply.statusCode
      if (status === 401 || status === 403) {
        span.setAttribute(SPAN_ATTRIBUTES.denial, status === 401 ? 'unauthenticated' : 'forbidden')
      } else if (status >= 500) {
        span.setAttribute(ATTR_ERROR_TYPE, String(status))
      }
      const who = principal()?.(request)
      if (who) {
        span.setAttribute(SPAN_ATTRIBUTES.issuer, who.issuer)
        span.setAttribute(SPAN_ATTRIBUTES.userIdKind, who.userIdKind)
      }
    }
    done(null, payload)
  }

  fastify.addHook('onRequest', onRequest)
  fastify.addHook('onSend', onSend)
}
