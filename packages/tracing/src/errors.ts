import createError from '@fastify/error'

export const FBI_TRACING_INVALID_OPTION = createError<'FBI_TRACING_INVALID_OPTION', 500, [string, string]>(
  'FBI_TRACING_INVALID_OPTION',
  "Invalid @fbi/tracing option '%s': %s",
  500,
  TypeError,
)

export const FBI_TRACING_NOT_CONFIGURED = createError<'FBI_TRACING_NOT_CONFIGURED', 500, [string]>(
  'FBI_TRACING_NOT_CONFIGURED',
  '@fbi/tracing needs the tracing group of @fbi/config: %s',
  500,
)

export const FBI_TRACING_START_FAILED = createError<'FBI_TRACING_START_FAILED', 500, [string]>(
  'FBI_TRACING_START_FAILED',
  'Tracing could not start: %s',
  500,
)

export const FBI_TRACING_HOOK_FAILED = createError<'FBI_TRACING_HOOK_FAILED', 500, [string]>(
  'FBI_TRACING_HOOK_FAILED',
  'A tracing hook failed: %s',
  500,
)

/**
 * Code called by @fbi/tracing (an option getter, a custom logger) threw a value that is not an Error. The value, described, is the
 * error's `cause`.
 */
export const FBI_TRACING_NON_ERROR_THROWN = createError<
  'FBI_TRACING_NON_ERROR_THROWN',
  500,
  // @fastify/error takes a trailing { cause } and sets it on the error.
  [string, { cause: string }]
>('FBI_TRACING_NON_ERROR_THROWN', '%s threw a value that is not an Error', 500)
