import {
  type ObjectOptions,
  type TObject,
  type TPartial,
  type TProperties,
  type TString,
  type TUnsafe,
  Type,
} from '@sinclair/typebox'
import { ERROR_RESPONSE_DESCRIPTION, errorFieldOptions } from './error-response.js'
import { TIMESTAMP_FORMAT } from './formats.js'
import { StrictBodyKey, type StrictBodyKind } from './strict-body-kind.js'

const TIMESTAMP_DESCRIPTION = 'ISO 8601 timestamp with milliseconds and Z or ±HH:MM'
const TIMESTAMP_EXAMPLE = '2017-09-23T08:29:19.123+00:00'

/** A timestamp string in the seed's format, validated by the `iso8601-timestamp` Ajv format. */
export const Timestamp: TString = Type.String({
  format: TIMESTAMP_FORMAT,
  description: TIMESTAMP_DESCRIPTION,
  examples: [TIMESTAMP_EXAMPLE],
})

/**
 * A timestamp in a response: a Date (written as "2017-09-23T08:29:19.123Z") or an already
 * formatted string. Separate from Timestamp because the type provider types request and reply
 * alike, and a request never carries a Date.
 */
export const TimestampOut: TUnsafe<Date | string> = timestampOut(TIMESTAMP_DESCRIPTION)

function timestampOut(description: string): TUnsafe<Date | string> {
  return Type.Unsafe<Date | string>({
    type: 'string',
    format: TIMESTAMP_FORMAT,
    description,
    examples: [TIMESTAMP_EXAMPLE],
  })
}

/**
 * A calendar date YYYY-MM-DD (the standard `date` format). A string on both sides: a Date has no
 * single calendar day, so format it with formatDateOnly rather than leaving it to the serialiser.
 */
export const DateOnly: TString = Type.String({ format: 'date', examples: ['2017-09-23'] })

/** The identifier fields of a stored entity: uuid, who and when created and modified. */
export const Identifier = Type.Object({
  uuid: Type.String({
    description: 'Universally unique identifier for object',
    examples: ['2c4f1d24-2952-4d4e-b1d1-3637e33cc161'],
  }),
  created: Type.Optional(timestampOut('When the object was created')),
  created_by: Type.Optional(
    Type.String({
      description: 'UUID of the user that created the object',
      examples: ['d26570d8-a2c9-4906-9c6a-ea1a98b8b80f'],
    }),
  ),
  modified: Type.Optional(timestampOut('When the object was modified')),
  modified_by: Type.Optional(
    Type.String({
      description: 'UUID of the user that modified the object',
      examples: ['2a0e26e5-21b6-463a-92e8-06d7290067d0'],
    }),
  ),
})

/** The body of every error response: `{ code, message }`. */
export const ErrorResponse = Type.Object(
  {
    code: Type.Integer(errorFieldOptions('code')),
    message: Type.String(errorFieldOptions('message')),
  },
  { description: ERROR_RESPONSE_DESCRIPTION },
)

function markStrict<T extends object>(schema: T, kind: StrictBodyKind): T {
  Object.defineProperty(schema, StrictBodyKey, { value: kind, enumerable: true })
  return schema
}

/**
 * A request body in the seed's `post` style: unknown keys are a 400 naming the key, types are
 * checked without coercion ("12" is not a number), and outside production the identifier keys
 * are tolerated, as the seed allowed.
 */
export function StrictBody<T extends TProperties>(properties: T, options?: ObjectOptions): TObject<T> {
  return markStrict(Type.Object(properties, { ...options, additionalProperties: false }), 'post')
}

/**
 * A request body in the seed's `update` style: every key optional, any other key a 400 naming it
 * (identifier keys included, in every environment: the seed's update never tolerated them),
 * types checked without coercion.
 */
export function UpdateBody<T extends TProperties>(
  properties: T,
  options?: ObjectOptions,
): TPartial<TObject<T>> {
  return markStrict(
    Type.Partial(Type.Object(properties), { ...options, additionalProperties: false }),
    'update',
  )
}
