import { BOOLEAN_PATTERN } from './booleans.js'
import type { GroupName, VariableSpec } from './variables.js'

const URL_PATTERN = '^[A-Za-z][A-Za-z0-9+.-]*://[^\\s/?#]+'

/** The JSON schema one variable's value is checked against. */
export function propertySchema(spec: VariableSpec): Record<string, unknown> {
  switch (spec.kind) {
    case 'boolean':
      return { type: 'string', pattern: BOOLEAN_PATTERN }
    case 'integer':
      return { type: 'integer', minimum: spec.minimum ?? 0 }
    case 'port':
      return { type: 'integer', minimum: 0, maximum: 65535 }
    case 'scheme':
      return { type: 'string', enum: ['http', 'https'] }
    case 'url':
      return { type: 'string', pattern: URL_PATTERN }
    case 'string':
      return { type: 'string', minLength: 1 }
    case 'choice':
      return { type: 'string', enum: [...(spec.choices ?? [])] }
    case 'ratio':
      return { type: 'number', minimum: 0, maximum: 1 }
  }
}

/**
 * Ajv's options for the configuration's validators: env-schema's, which the first release used
 * (every problem at once, defaults filled in, "5000" read as the number 5000). `unicode: false`
 * counts a string's length in UTF-16 units: the only length rule here is minLength 1, where both
 * counts agree, and the generated code then needs no helper imported from Ajv at run time.
 */
export const ENV_AJV_OPTIONS = Object.freeze({
  allErrors: true,
  useDefaults: true,
  coerceTypes: true,
  unicode: false,
})

/** One object schema for `specs`: their properties and the required ones, in the order given. */
export function envSchemaOf(specs: readonly VariableSpec[]): Record<string, unknown> {
  const properties: Record<string, unknown> = {}
  const required: string[] = []
  for (const spec of specs) {
    const schema = propertySchema(spec)
    if (spec.default !== undefined) schema.default = spec.default
    properties[spec.name] = schema
    if (spec.required) required.push(spec.name)
  }
  return { type: 'object', properties, required }
}

/**
 * One schema a group, keyed by the group's name: a configuration turns groups on and off, so each
 * group is compiled (ahead of time, see env-validators.ts) and checked on its own.
 */
export function groupSchemas(specs: readonly VariableSpec[]): Map<GroupName, Record<string, unknown>> {
  const groups = new Set(specs.map((spec) => spec.group))
  return new Map(
    [...groups].map((group) => [group, envSchemaOf(specs.filter((spec) => spec.group === group))]),
  )
}
