import { STATUS_CODES } from 'node:http'
import type { FastifyReply, FastifyRequest } from 'fastify'
import type { ErrorDecision } from './classify.js'

/** The one error body of every fbi service. */
export interface ErrorBody {
  code: number
  message: string
}

/** The RFC 9457 body used when `problemJson` is on. */
export interface ProblemBody {
  type: string
  title: string
  status: number
  detail: string
  instance: string
}

export type SendError = (
  request: FastifyRequest,
  reply: FastifyReply,
  decision: ErrorDecision,
) => FastifyReply

/** Writes a decision as the response: `{ code, message }`, or an RFC 9457 body with `problemJson`. */
export function errorSender(problemJson: boolean): SendError {
  if (problemJson) {
    return (request, reply, decision) => {
      reply.code(decision.statusCode)
      if (decision.headers) reply.headers(decision.headers)
      const body: ProblemBody = {
        type: 'about:blank',
        title: STATUS_CODES[decision.statusCode] ?? 'Error',
        status: decision.statusCode,
        detail: decision.message,
        instance: request.id,
      }
      return reply.type('application/problem+json').send(body)
    }
  }
  return (_request, reply, decision) => {
    reply.code(decision.statusCode)
    if (decision.headers) reply.headers(decision.headers)
    const body: ErrorBody = { code: decision.statusCode, message: decision.message }
    return reply.type('application/json; charset=utf-8').send(body)
  }
}
