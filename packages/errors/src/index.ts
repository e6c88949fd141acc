import { STATUS_CODES } from 'node:http'
import type { FastifyError, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { classifyError, type ErrorDecision } from './classify.js'
import { FBI_ERRORS_INVALID_OPTION } from './errors.js'

export type { ErrorDecision } from './classify.js'
export { classifyError } from './classify.js'
export { FBI_ERRORS_INVALID_OPTION } from './errors.js'
export {
  AuthMissing,
  BadRequest,
  DuplicateResource,
  EntityNotFound,
  Forbidden,
  HttpError,
  isHttpError,
  NotImplemented,
  ServiceUnavailable,
  type ServiceUnavailableOptions,
  UnprocessableEntity,
} from './http-errors.js'

export interface FbiErrorsOptions {
  /** Answer with RFC 9457 `application/problem+json` bodies instead of `{ code, message }`. Default: false. */
  problemJson?: boolean
  /**
   * Show the real message of unexpected 5xx errors to clients. Default: true outside production
   * (read from `app.config.isProduction` when @fbi/config is registered), false in production or
   * when the environment is unknown.
   */
  exposeServerErrors?: boolean
}

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

interface MaybeConfigured {
  config?: { isProduction?: boolean }
}

const fbiErrors: FastifyPluginAsync<FbiErrorsOptions> = async (fastify, opts) => {
  const { problemJson = false } = opts
  if (typeof problemJson !== 'boolean')
    throw new FBI_ERRORS_INVALID_OPTION('problemJson', 'must be a boolean')
  if (opts.exposeServerErrors !== undefined && typeof opts.exposeServerErrors !== 'boolean') {
    throw new FBI_ERRORS_INVALID_OPTION('exposeServerErrors', 'must be a boolean')
  }
  const isProduction = (fastify as unknown as MaybeConfigured).config?.isProduction ?? true
  const exposeServerErrors = opts.exposeServerErrors ?? !isProduction

  function send(request: FastifyRequest, reply: FastifyReply, decision: ErrorDecision): FastifyReply {
    reply.code(decision.statusCode)
    if (decision.headers) reply.headers(decision.headers)
    if (problemJson) {
      const body: ProblemBody = {
        type: 'about:blank',
        title: STATUS_CODES[decision.statusCode] ?? 'Error',
        status: decision.statusCode,
        detail: decision.message,
        instance: request.id,
      }
      return reply.type('application/problem+json').send(body)
    }
    const body: ErrorBody = { code: decision.statusCode, message: decision.message }
    return reply.type('application/json; charset=utf-8').send(body)
  }

  fastify.setErrorHandler(function fbiErrorHandler(error: FastifyError, request, reply) {
    const decision = classifyError(error, exposeServerErrors)
    if (decision.logLevel === 'error') {
      request.log.error({ err: error, statusCode: decision.statusCode }, decision.message)
    } else {
      // A client's mistake is not our failure: no stack trace, just what was refused and why.
      request.log[decision.logLevel](
        { statusCode: decision.statusCode, errorCode: error.code, reason: error.message },
        decision.message,
      )
    }
    return send(request, reply, decision)
  })

  fastify.setNotFoundHandler(function fbiNotFoundHandler(request, reply) {
    request.log.info({ statusCode: 404, method: request.method }, 'Route not found')
    return send(request, reply, { statusCode: 404, message: 'Not Found', logLevel: 'info' })
  })
}

const plugin = fp(fbiErrors, {
  name: '@fbi/errors',
  fastify: '5.x',
})
export default plugin
export { plugin as fbiErrors }
