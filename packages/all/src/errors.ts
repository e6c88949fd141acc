import createError from '@fastify/error'

export const FBI_ALL_INVALID_OPTION = createError<'FBI_ALL_INVALID_OPTION', 500, [string, string]>(
  'FBI_ALL_INVALID_OPTION',
  "Invalid @fbi/all option '%s': %s",
  500,
  TypeError,
)

export const FBI_ALL_TRACING_NOT_INSTALLED = createError<'FBI_ALL_TRACING_NOT_INSTALLED', 500, []>(
  'FBI_ALL_TRACING_NOT_INSTALLED',
  'An OTLP endpoint is configured (OTEL_EXPORTER_OTLP_ENDPOINT or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) but @fbi/tracing is not installed: add it, or unset the endpoint, or pass tracing: false',
  500,
)
