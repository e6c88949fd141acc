import type { FastifyPluginAsync } from 'fastify'
import fp from 'fastify-plugin'
import { errorHandler } from './error-handler.js'
import { emptyParameterGuard, notFoundHandler } from './not-found.js'
import { type ConfigView, type FbiErrorsOptions, resolveOptions } from './options.js'
import { RefusalLog } from './refusal-log.js'
import { routeMethods } from './route-methods.js'
import { errorSender } from './send-error.js'
import { asError, failClosed } from './thrown.js'

export type { ErrorDecision } from './classify.js'
export { classifyError } from './classify.js'
export { DB_UNAVAILABLE, NETWORK_ERROR_CODES, PG_UNAVAILABLE_MESSAGES } from './database-errors.js'
export { FBI_ERRORS_INVALID_OPTION, FBI_ERRORS_NON_ERROR_THROWN } from './errors.js'
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
export type { ErrorsCompat, FbiErrorsOptions, ResolvedErrorsOptions } from './options.js'
export type { ErrorBody, ProblemBody } from './send-error.js'

const fbiErrors: FastifyPluginAsync<FbiErrorsOptions> = async (fastify, opts) => {
  // Options: @fbi/config's app.config gives production and compat when it is registered.
  const config = (fastify as unknown as { config?: ConfigView }).config
  const options = resolveOptions(opts, config)
  const send = errorSender(options.problemJson)

  // Why a client's request was refused: on its one log line with @fbi/monitoring, else a line of its own.
  const refusals = new RefusalLog(fastify)

  // Hooks: a path matched with an empty parameter is a 404 before any route hook runs.
  fastify.addHook('onRequest', emptyParameterGuard(send, refusals))
  const routes = routeMethods(fastify)

  // Handlers: every thrown value, and every unrouted request (404, 405, OPTIONS).
  fastify.setErrorHandler(errorHandler(options, send, refusals))
  fastify.setNotFoundHandler(notFoundHandler(routes, send, refusals))
}

const plugin = fp(
  failClosed(fbiErrors, (thrown) => asError(thrown, 'Registering @fbi/errors (an option getter)')),
  {
    name: '@fbi/errors',
    fastify: '5.x',
  },
)
export default plugin
export { plugin as fbiErrors }
