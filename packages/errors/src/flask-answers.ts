import { type HttpError, hasDefaultMessage } from './http-errors.js'

// The original's handlers answered these exceptions with a fixed text, whatever message they
// carried (flask_batteries_included/helpers/error_handler.py), "Unprocessible" spelling included.
const FIXED_MESSAGES: Readonly<Record<string, string>> = Object.freeze({
  FBI_UNPROCESSABLE_ENTITY: 'Unprocessible entity',
  FBI_SERVICE_UNAVAILABLE: 'Service unavailable',
  FBI_AUTH_MISSING: 'No authentication provided',
  FBI_FORBIDDEN: 'Forbidden',
  FBI_NOT_IMPLEMENTED: 'Not implemented',
})

/**
 * The message the original gave for one of our error classes (compat: 'flask'): a fixed text for
 * the classes above, else the error's own message, empty when it was built without one (the
 * original answered str() of the exception, "" for a bare one).
 */
export function flaskMessage(error: HttpError): string {
  const fixed = FIXED_MESSAGES[error.code]
  if (fixed !== undefined) return fixed
  return hasDefaultMessage(error) ? '' : error.message
}
