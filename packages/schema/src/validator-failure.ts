import { describeThrown, isError } from '@fbi/config/fail-closed'
import { FBI_SCHEMA_VALIDATOR_FAILED } from './errors.js'

/**
 * Ajv's ValidationError, what an `$async` schema rejects with when the data is invalid. Recognised by
 * the fields Ajv declares on it (`ajv: true`, `errors`), not by class: the Ajv that compiled the
 * schema is @fastify/ajv-compiler's copy, not one this package imports.
 */
function isAjvValidationError(thrown: unknown): boolean {
  try {
    return (
      isError(thrown) &&
      (thrown as { ajv?: unknown }).ajv === true &&
      Array.isArray((thrown as { errors?: unknown }).errors)
    )
  } catch {
    // A proxy whose traps throw is nothing Ajv made.
    return false
  }
}

/**
 * What a schema's own code (a keyword, a format) threw while validating `httpPart`, as a 500: an
 * Error is its cause as it is (its stack is logged), anything else described.
 */
export function validatorFailed(httpPart: string | undefined, thrown: unknown): Error {
  return new FBI_SCHEMA_VALIDATOR_FAILED(httpPart ?? 'data', {
    cause: isError(thrown) ? thrown : describeThrown(thrown),
  })
}

/**
 * An `$async` validation's rejection as Fastify may read it: Fastify passes a rejection on as the
 * validation error, and reads a falsy one (a user keyword rejecting with undefined) as valid. Ajv's
 * ValidationError stays (a 400); anything else is the schema's own code failing.
 */
export function asyncFailure(httpPart: string | undefined) {
  return (thrown: unknown): never => {
    throw isAjvValidationError(thrown) ? thrown : validatorFailed(httpPart, thrown)
  }
}
