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
