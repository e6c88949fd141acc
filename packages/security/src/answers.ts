import type { FastifyReply, FastifyRequest } from 'fastify'

// Answers are fixed strings, serialised once. Every verification failure gets the same one (no
// oracle for an attacker); the reason goes to the log only. They are sent by the plugin itself, so
// they look the same with or without @fbi/errors.
const BAD_REQUEST_BODY = '{"code":400,"message":"Bad Request"}'
const UNAUTHORIZED_BODY = '{"code":401,"message":"Unauthorized"}'
const FORBIDDEN_BODY = '{"code":403,"message":"Forbidden"}'
const INTERNAL_ERROR_BODY = '{"code":500,"message":"Internal Server Error"}'
const JSON_TYPE = 'application/json; charset=utf-8'

/** RFC 6750 §3.1: a request with no bearer credentials gets a challenge without an error code. */
const CHALLENGE_MISSING = 'Bearer'
const CHALLENGE_INVALID = 'Bearer error="invalid_token"'

/** How the route hooks answer a request they stop. */
export interface Answers {
  /** No bearer credentials at all. */
  missing(request: FastifyRequest, reply: FastifyReply, reason: string): void
  /** Bearer credentials that fail verification. */
  invalid(request: FastifyRequest, reply: FastifyReply, reason: string): void
  /** A verified caller the predicate refuses. */
  forbidden(request: FastifyRequest, reply: FastifyReply, reason: string): void
  /** A request the predicate cannot read unambiguously (a repeated query argument it reads). */
  badRequest(request: FastifyRequest, reply: FastifyReply, reason: string): void
}

/** @fbi/monitoring's request decorator, read by name: this package does not depend on monitoring. */
interface RefusalHolder {
  refusal: { reason: string } | null
}

/**
 * Where the reason of a refusal goes: with @fbi/monitoring's request log (it decorates requests
 * with `refusal`), on the request's one line, at info, so a developer sees why a 401 or 403 came
 * back; without it, a debug line of its own (a refused request is the client's doing). Known at
 * onReady, whatever the order the plugins came in.
 */
export interface RefusalLog {
  onRequestLine: boolean
}

// The log line is advice: a logger (or a reason) that throws must not keep the answer from being
// sent, nor reach Fastify's done(), which reads a falsy error as success.
function logRefusal(log: RefusalLog, request: FastifyRequest, what: string, reason: string): void {
  if (!log.onRequestLine) {
    logSafely(request, 'debug', { reason }, what)
    return
  }
  try {
    ;(request as FastifyRequest & RefusalHolder).refusal = { reason: `${what}: ${reason}` }
  } catch {
    // Lost (a reason that cannot be printed, a request decorator replaced): the refusal is sent all the same.
  }
}

function send(reply: FastifyReply, status: number, body: string): void {
  reply.code(status).header('content-type', JSON_TYPE).send(body)
}

/**
 * fbi's answers (401 with a Bearer challenge, then 403), or with `compat` the original's: 403 for
 * every refusal, without WWW-Authenticate, as Flask Batteries Included answered.
 */
export function createAnswers(compat: boolean, refusals: RefusalLog): Answers {
  const forbidden = (request: FastifyRequest, reply: FastifyReply, reason: string): void => {
    logRefusal(refusals, request, 'Forbidden: protection predicate denied the request', reason)
    send(reply, 403, FORBIDDEN_BODY)
  }
  const challenge =
    (header: string) =>
    (request: FastifyRequest, reply: FastifyReply, reason: string): void => {
      logRefusal(refusals, request, 'Unauthorized: bearer token refused', reason)
      reply.header('www-authenticate', header)
      send(reply, 401, UNAUTHORIZED_BODY)
    }
  const refused = (request: FastifyRequest, reply: FastifyReply, reason: string): void => {
    logRefusal(refusals, request, 'Forbidden: bearer token refused', reason)
    send(reply, 403, FORBIDDEN_BODY)
  }
  return {
    missing: compat ? refused : challenge(CHALLENGE_MISSING),
    invalid: compat ? refused : challenge(CHALLENGE_INVALID),
    forbidden,
    badRequest(request, reply, reason) {
      logRefusal(refusals, request, 'Bad request: ambiguous input to the protection predicate', reason)
      send(reply, 400, BAD_REQUEST_BODY)
    },
  }
}

/** A 500 with the generic body; `details` go to the error log, never to the client. */
export function internalError(
  request: FastifyRequest,
  reply: FastifyReply,
  message: string,
  details: Record<string, unknown> = {},
): void {
  logSafely(request, 'error', details, message)
  send(reply, 500, INTERNAL_ERROR_BODY)
}

/** A log line that may be lost: whatever the logger throws, the caller's answer goes out all the same. */
export function logSafely(
  request: FastifyRequest,
  level: 'debug' | 'error',
  details: Record<string, unknown>,
  message: string,
): void {
  try {
    request.log[level](details, message)
  } catch {
    // Lost.
  }
}
