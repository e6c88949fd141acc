import type { FastifySchemaValidationError } from 'fastify'
import { TIMESTAMP_FORMAT } from './formats.js'
import type { QueryDecoder } from './query-decoder.js'

/** Rewrites Ajv's messages where the seed's named more (the key, the expected format). */
export function rewriteMessages(
  errors: FastifySchemaValidationError[],
  decoders: ReadonlyArray<[string, QueryDecoder]>,
): FastifySchemaValidationError[] {
  for (const error of errors) {
    // Ajv says "must NOT have additional properties" without naming the key; the seed named it.
    if (error.keyword === 'additionalProperties' && typeof error.params.additionalProperty === 'string') {
      error.message = `must NOT have additional property '${error.params.additionalProperty}'`
    } else if (error.keyword === 'format' && error.params.format === TIMESTAMP_FORMAT) {
      error.message =
        'must be an ISO 8601 timestamp with milliseconds and Z or ±HH:MM, e.g. 2000-01-01T01:01:01.123Z'
    } else if (error.keyword === 'format' && error.params.format === 'date') {
      error.message = 'must be a date YYYY-MM-DD'
    } else if (error.keyword === 'type') {
      const decoder = decoders.find(([key]) => error.instancePath === `/${key}`)?.[1]
      if (decoder?.kind === 'boolean') error.message = 'must be true or false'
    }
  }
  return errors
}
