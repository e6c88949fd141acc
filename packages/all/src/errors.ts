import createError from '@fastify/error'

export const FBI_ALL_INVALID_OPTION = createError<'FBI_ALL_INVALID_OPTION', 500, [string, string]>(
  'FBI_ALL_INVALID_OPTION',
  "Invalid @fbi/all option '%s': %s",
  500,
  TypeError,
)
