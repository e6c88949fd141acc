/**
 * The errors a handler throws to answer a client with a given status. Hand-written classes rather
 * than @fastify/error constructors because users need `instanceof`, an optional message with a
 * sensible default, and ServiceUnavailable's Retry-After; @fastify/error formats '%s' templates
 * and has no per-instance extras.
 */
// Errors built without a message of their own: compat: 'flask' answers them with the original's
// empty message (str() of a bare Python exception) instead of our default text.
const withDefaultMessage = new WeakSet<HttpError>()

export abstract class HttpError extends Error {
  abstract readonly statusCode: number
  abstract readonly code: string
  /** Our own messages are written for clients, so they are shown even for 5xx in production. */
  readonly expose = true
}

function defineHttpError<S extends number, C extends string>(statusCode: S, code: C, defaultMessage: string) {
  return class extends HttpError {
    readonly statusCode: S = statusCode
    readonly code: C = code
    constructor(message?: string, options?: ErrorOptions) {
      super(message ?? defaultMessage, options)
      if (message === undefined) withDefaultMessage.add(this)
    }
  }
}

export class BadRequest extends defineHttpError(400, 'FBI_BAD_REQUEST', 'Bad Request') {
  override name = 'BadRequest'
}
export class AuthMissing extends defineHttpError(401, 'FBI_AUTH_MISSING', 'No authentication provided') {
  override name = 'AuthMissing'
}
export class Forbidden extends defineHttpError(403, 'FBI_FORBIDDEN', 'Forbidden') {
  override name = 'Forbidden'
}
export class EntityNotFound extends defineHttpError(404, 'FBI_ENTITY_NOT_FOUND', 'Not Found') {
  override name = 'EntityNotFound'
}
export class DuplicateResource extends defineHttpError(409, 'FBI_DUPLICATE_RESOURCE', 'Duplicate resource') {
  override name = 'DuplicateResource'
}
export class UnprocessableEntity extends defineHttpError(
  422,
  'FBI_UNPROCESSABLE_ENTITY',
  'Unprocessable entity',
) {
  override name = 'UnprocessableEntity'
}
export class NotImplemented extends defineHttpError(501, 'FBI_NOT_IMPLEMENTED', 'Not implemented') {
  override name = 'NotImplemented'
}

export interface ServiceUnavailableOptions extends ErrorOptions {
  /** Seconds the client should wait before retrying; sent as the Retry-After header. */
  retryAfter?: number
}

export class ServiceUnavailable extends defineHttpError(
  503,
  'FBI_SERVICE_UNAVAILABLE',
  'Service unavailable',
) {
  override name = 'ServiceUnavailable'
  readonly retryAfter: number | undefined
  constructor(message?: string, options: ServiceUnavailableOptions = {}) {
    super(message, options)
    this.retryAfter = options.retryAfter
  }
}

export function isHttpError(error: unknown): error is HttpError {
  return error instanceof HttpError
}

/** True when the error was built without a message (it carries its class's default). Not exported from the package. */
export function hasDefaultMessage(error: HttpError): boolean {
  return withDefaultMessage.has(error)
}
