import createError from '@fastify/error'

export const FBI_ERRORS_INVALID_OPTION = createError<'FBI_ERRORS_INVALID_OPTION', 500, [string, string]>(
  'FBI_ERRORS_INVALID_OPTION',
  "Invalid @fbi/errors option '%s': %s",
  500,
  TypeError,
)
