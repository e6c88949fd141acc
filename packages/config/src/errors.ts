import createError from '@fastify/error'

/** One error naming every missing or invalid variable; `problems` lists them for programs. */
export const FBI_CONFIG_INVALID = createError<'FBI_CONFIG_INVALID', 500, [string]>(
  'FBI_CONFIG_INVALID',
  'Invalid configuration:\n%s',
  500,
)

export const FBI_CONFIG_INVALID_OPTION = createError<'FBI_CONFIG_INVALID_OPTION', 500, [string, string]>(
  'FBI_CONFIG_INVALID_OPTION',
  "Invalid @fbi/config option '%s': %s",
  500,
  TypeError,
)

/**
 * Code called by @fbi/config (an option getter, a custom logger) threw a value that is not an Error. The value, described, is the
 * error's `cause`.
 */
export const FBI_CONFIG_NON_ERROR_THROWN = createError<
  'FBI_CONFIG_NON_ERROR_THROWN',
  500,
  // @fastify/error takes a trailing { cause } and sets it on the error.
  [string, { cause: string }]
>('FBI_CONFIG_NON_ERROR_THROWN', '%s threw a value that is not an Error', 500)
