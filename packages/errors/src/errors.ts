import createError from '@fastify/error'

export const FBI_ERRORS_INVALID_OPTION = createError<'FBI_ERRORS_INVALID_OPTION', 500, [string, string]>(
  'FBI_ERRORS_INVALID_OPTION',
  "Invalid @fbi/errors option '%s': %s",
  500,
  TypeError,
)

/**
 * Code called by @fbi/errors (an option getter) threw a value that is not an Error. The value, described, is the
 * error's `cause`.
 */
export const FBI_ERRORS_NON_ERROR_THROWN = createError<
  'FBI_ERRORS_NON_ERROR_THROWN',
  500,
  // @fastify/error takes a trailing { cause } and sets it on the error.
  [string, { cause: string }]
>('FBI_ERRORS_NON_ERROR_THROWN', '%s threw a value that is not an Error', 500)
