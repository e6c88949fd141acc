import type { FastifyReply, FastifyRequest } from 'fastify'

// Answers are fixed strings, serialised once. Every verification failure gets the same one (no
// oracle for an attacker); the reason goes to the log only. They are sent by the plugin itself, so
// they look the same with or without @fbi/errors.
const UNAUTHORIZED_BODY = '{"code":401,"message":"Unauthorized"}'
const FORBIDDEN_BODY = '{"code":403,"message":"Forbidden"}'
const INTERNAL_ERROR_BODY = '{"code":500,"message":"Internal Server Error"}'
const JSON_TYPE = 'application/json; charset=utf-8'

/** RFC 6750 §3.1: a request with no bearer credentials gets a challenge without an error code. */
export const CHALLENGE_MISSING = 'Bearer'
export const CHALLENGE_INVALID = 'Bearer error="invalid_token"'

export function unauthorized(
  request: FastifyRequest,
  reply: FastifyReply,
  challenge: string,
  reason: string,
): void {
  request.log.debug({ reason }, 'Unauthorized: bearer token refused')
  reply
    .code(401)
    .header('www-authenticate', challenge)
    .header('content-type', JSON_TYPE)
    .send(UNAUTHORIZED_BODY)
}

export function forbidden(request: FastifyRequest, reply: FastifyReply, reason: string): void {
  request.log.debug({ reason }, 'Forbidden: protection predicate denied the request')
  reply.code(403).header('content-type', JSON_TYPE).send(FORBIDDEN_BODY)
}

/** A 500 with the generic body; `details` go to the error log, never to the client. */
export function internalError(
  request: FastifyRequest,
  reply: FastifyReply,
  details: Record<string, unknown>,
  message: string,
): void {
  request.log.error(details, message)
  reply.code(500).header('content-type', JSON_TYPE).send(INTERNAL_ERROR_BODY)
}
