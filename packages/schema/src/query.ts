import {
  type ArrayOptions,
  type IntegerOptions,
  type SchemaOptions,
  type StringOptions,
  type TArray,
  type TBoolean,
  type TInteger,
  type TSchema,
  type TString,
  type TUnsafe,
  Type,
} from '@sinclair/typebox'
import { TIMESTAMP_FORMAT } from './formats.js'
import { type QueryDecoder, QueryDecoderKey } from './query-decoder.js'
import { parseTimestamp } from './timestamp.js'

function withDecoder<T extends TSchema>(schema: T, decoder: QueryDecoder): T {
  Object.defineProperty(schema, QueryDecoderKey, { value: decoder, enumerable: true })
  return schema
}

const lowerCase = (raw: unknown): unknown => (typeof raw === 'string' ? raw.toLowerCase() : raw)

const splitBars = (raw: unknown): unknown => {
  if (typeof raw === 'string') return raw.split('|')
  if (Array.isArray(raw)) return raw.flatMap((item) => (typeof item === 'string' ? item.split('|') : [item]))
  return raw
}

/** A query boolean: "true" or "false" in any case; anything else is a 400. */
export function QueryBoolean(options?: SchemaOptions): TBoolean {
  return withDecoder(Type.Boolean(options), { kind: 'boolean', before: lowerCase })
}

/** A query integer ("12"); anything that is not an integer is a 400. */
export function QueryInteger(options?: IntegerOptions): TInteger {
  return withDecoder(Type.Integer(options), { kind: 'integer' })
}

/** A query list split on "|" ("a|b" -> ["a", "b"]); items are validated (and coerced) by `items`. */
export function QueryList<T extends TSchema = TString>(items?: T, options?: ArrayOptions): TArray<T> {
  const itemSchema = (items ?? Type.String()) as T
  return withDecoder(Type.Array(itemSchema, options), { kind: 'list', before: splitBars })
}

/** A query timestamp in the seed's ISO 8601 format, handed to the handler as a Date. */
export function QueryTimestamp(options?: StringOptions): TUnsafe<Date> {
  return withDecoder(Type.Unsafe<Date>({ ...options, type: 'string', format: TIMESTAMP_FORMAT }), {
    kind: 'timestamp',
    after: (valid) => (typeof valid === 'string' ? parseTimestamp(valid) : valid),
  })
}
