import createError from '@fastify/error'

/** A plugin option has the wrong type or value; thrown from `register`, so `ready()` rejects. */
export const FBI_SCHEMA_INVALID_OPTION = createError<'FBI_SCHEMA_INVALID_OPTION', 500, [string, string]>(
  'FBI_SCHEMA_INVALID_OPTION',
  "Invalid @fbi/schema option '%s': %s",
  500,
  TypeError,
)

/**
 * A validator compiler was already set where the plugin was registered (`setValidatorCompiler`):
 * Fastify would keep using it, so our format, strict bodies and query decoding would silently not
 * apply.
 */
export const FBI_SCHEMA_VALIDATOR_IN_USE = createError<'FBI_SCHEMA_VALIDATOR_IN_USE', 500, []>(
  'FBI_SCHEMA_VALIDATOR_IN_USE',
  'A validator compiler is already set on this instance: remove it, or register @fbi/schema with { validator: false }',
  500,
)

/** A Date (or offset) that cannot be written as an ISO 8601 timestamp: a server-side bug, not bad input. */
export const FBI_SCHEMA_UNFORMATTABLE_DATE = createError<'FBI_SCHEMA_UNFORMATTABLE_DATE', 500, [string]>(
  'FBI_SCHEMA_UNFORMATTABLE_DATE',
  'Cannot format a timestamp: %s',
  500,
  TypeError,
)

/** The generated OpenAPI document does not validate; nothing is written. */
export const FBI_SCHEMA_INVALID_OPENAPI = createError<'FBI_SCHEMA_INVALID_OPENAPI', 500, [string]>(
  'FBI_SCHEMA_INVALID_OPENAPI',
  'Invalid OpenAPI specification: %s',
  500,
)

/** `fbi-openapi` could not get a Fastify app out of the module it was given. */
export const FBI_SCHEMA_APP_MODULE = createError<'FBI_SCHEMA_APP_MODULE', 500, [string, string]>(
  'FBI_SCHEMA_APP_MODULE',
  "Cannot load a Fastify app from '%s': %s",
  500,
)

/** `fbi-openapi` was given the app without @fbi/schema's OpenAPI support registered. */
export const FBI_SCHEMA_NO_OPENAPI = createError<'FBI_SCHEMA_NO_OPENAPI', 500, []>(
  'FBI_SCHEMA_NO_OPENAPI',
  'The app has no OpenAPI document: register @fbi/schema with OpenAPI enabled (the default)',
  500,
)

/**
 * Code called by @fbi/schema (an option getter, a custom logger) threw a value that is not an Error. The value, described, is the
 * error's `cause`.
 */
export const FBI_SCHEMA_NON_ERROR_THROWN = createError<
  'FBI_SCHEMA_NON_ERROR_THROWN',
  500,
  // @fastify/error takes a trailing { cause } and sets it on the error.
  [string, { cause: string }]
>('FBI_SCHEMA_NON_ERROR_THROWN', '%s threw a value that is not an Error', 500)

/**
 * A keyword or format of a route's schema threw while a request was validated, or an `$async` one
 * rejected with anything but Ajv's ValidationError: the service's own code failed, not the request,
 * so it is a 500 (never a pass). What was thrown is the error's `cause`.
 */
export const FBI_SCHEMA_VALIDATOR_FAILED = createError<
  'FBI_SCHEMA_VALIDATOR_FAILED',
  500,
  [string, { cause: Error | string }]
>(
  'FBI_SCHEMA_VALIDATOR_FAILED',
  'Validating the request %s failed: a keyword or format of its schema threw',
  500,
)
