import { BadRequest } from '@fbi/errors'
import type { FastifySchemaValidationError } from 'fastify'
import { isPlainObject, propertiesOf } from './plain-object.js'
import { IDENTIFIER_KEYS, type StrictBodyKind } from './strict-body-kind.js'

/** What a StrictBody/UpdateBody route validates with, decided once when the route compiles. */
export interface StrictBodyCheck {
  /** The schema to compile: the route's, with the tolerated identifier keys and compat's booleans. */
  readonly schema: unknown
  /** Before validation: an optional key sent as null counts as absent (StrictBody only). */
  prepare(data: unknown): void
  /** After a successful validation, under compat: the original's values for absent keys and booleans. */
  finish(data: unknown): void
  /** Under compat, the original's 400 for the first error; undefined keeps fbi's message. */
  flaskError(errors: readonly FastifySchemaValidationError[], data: unknown): BadRequest | undefined
}

export interface StrictBodySettings {
  readonly tolerateIdentifierKeys: boolean
  readonly flask: boolean
}

type Properties = Record<string, unknown>

function typeOf(schema: unknown): unknown {
  return isPlainObject(schema) ? schema.type : undefined
}

// A copy must not reuse the $id: Ajv refuses two different schemas under one id.
function withProperties(schema: unknown, properties: Properties): unknown {
  const { $id: _id, ...rest } = schema as { $id?: unknown }
  return { ...rest, properties }
}

function withIdentifierKeys(properties: Properties): Properties {
  const out: Properties = {}
  // The seed did not type-check tolerated keys, so they accept anything.
  for (const key of IDENTIFIER_KEYS) out[key] = {}
  return Object.assign(out, properties)
}

// Python's bool is an int: the original's post()/update() took true for an int field, and 1.0 for
// a float one (float(True)). Only top-level keys, which are all the original checked.
function withBooleansAsNumbers(properties: Properties): Properties {
  const out: Properties = { ...properties }
  for (const [key, property] of Object.entries(properties)) {
    const type = typeOf(property)
    if (type === 'integer' || type === 'number')
      // anyOf, not `type: [type, 'boolean']`: Ajv's strict mode warns about union types.
      out[key] = { anyOf: [property, { type: 'boolean' }] }
  }
  return out
}

// The original's post() gave an absent optional key [] for a list, {} for a dict and None otherwise.
function absentValue(property: unknown): unknown {
  const type = typeOf(property)
  if (type === 'array') return []
  if (type === 'object') return {}
  return null
}

function keyOf(instancePath: string): string {
  return (instancePath.split('/')[1] ?? '').replaceAll('~1', '/').replaceAll('~0', '~')
}

// Python's KeyError prints its message in quotes; the original's clients saw them.
const missingKey = (key: string) => new BadRequest(`'Json request is missing a required key ${key}'`)

export function strictBodyCheck(
  schema: unknown,
  kind: StrictBodyKind,
  settings: StrictBodySettings,
): StrictBodyCheck {
  const properties = propertiesOf(schema) ?? {}
  const required = (isPlainObject(schema) && Array.isArray(schema.required) ? schema.required : []).filter(
    (key): key is string => typeof key === 'string',
  )
  // Computed from the route's own keys, before the tolerated identifier keys are added.
  const optional = kind === 'post' ? Object.keys(properties).filter((key) => !required.includes(key)) : []
  const numberKeys = Object.keys(properties).filter((key) => typeOf(properties[key]) === 'number')
  const { flask } = settings

  let compiled = properties
  if (kind === 'post' && settings.tolerateIdentifierKeys) compiled = withIdentifierKeys(compiled)
  if (flask) compiled = withBooleansAsNumbers(compiled)

  return {
    schema: compiled === properties ? schema : withProperties(schema, compiled),
    prepare(data) {
      if (optional.length === 0 || !isPlainObject(data)) return
      for (const key of optional) if (data[key] === null) delete data[key]
    },
    finish(data) {
      if (!flask || !isPlainObject(data)) return
      for (const key of numberKeys) if (typeof data[key] === 'boolean') data[key] = data[key] ? 1 : 0
      for (const key of optional) if (data[key] === undefined) data[key] = absentValue(properties[key])
    },
    flaskError(errors, data) {
      const error = errors[0]
      if (!flask || error === undefined) return undefined
      if (error.instancePath === '') {
        if (error.keyword === 'required') return missingKey(String(error.params.missingProperty))
        if (error.keyword !== 'type') return undefined
        // The original read a body that was no JSON object as "no JSON body", and a JSON array as
        // a body missing its first required key.
        const first = required[0]
        return Array.isArray(data) && first !== undefined
          ? missingKey(first)
          : new BadRequest('Request requires a json body')
      }
      if (error.keyword !== 'type') return undefined
      const key = keyOf(error.instancePath)
      if (isPlainObject(data) && data[key] === null && required.includes(key)) return missingKey(key)
      if (error.instancePath !== `/${key.replaceAll('~', '~0').replaceAll('/', '~1')}`) {
        return new BadRequest(`value in list ${key} is not of the expected type`)
      }
      return new BadRequest(`value for ${key} is not of the expected type`)
    },
  }
}
