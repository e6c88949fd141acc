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
