// Apart from query.ts's helpers (which need TypeBox) so that the validator compiler, which reads the
// marker on every schema, does not load TypeBox into a service that never uses it.
import { isPlainObject } from './plain-object.js'

/**
 * How a query argument is decoded around Ajv. Fastify's Ajv coerces "true"/"12" itself, but only
 * in exact lower case, knows nothing of "a|b" lists and cannot produce a Date, so our validator
 * compiler runs `before` on the raw string and `after` on the validated value. A symbol keeps the
 * marker out of Ajv, the OpenAPI document and JSON.
 */
export interface QueryDecoder {
  readonly kind: 'boolean' | 'integer' | 'list' | 'timestamp'
  readonly before?: (raw: unknown) => unknown
  readonly after?: (valid: unknown) => unknown
}

export const QueryDecoderKey: unique symbol = Symbol.for('@fbi/schema.queryDecoder')

/** The decoder a query property schema carries, if it was made by one of the Query* helpers. */
export function queryDecoderOf(schema: unknown): QueryDecoder | undefined {
  if (!isPlainObject(schema)) return undefined
  return (schema as { [QueryDecoderKey]?: QueryDecoder })[QueryDecoderKey]
}
