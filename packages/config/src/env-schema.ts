import { BOOLEAN_PATTERN } from './booleans.js'
import type { VariableSpec } from './variables.js'

const URL_PATTERN = '^[A-Za-z][A-Za-z0-9+.-]*://[^\\s/?#]+'

function propertySchema(spec: VariableSpec): Record<string, unknown> {
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

// One schema object per set of groups: env-schema's shared Ajv caches what it compiled by schema
// object, so a configuration loaded again with the same groups (each loadConfig call, each app of a
// process) is validated without compiling anew (about 10 ms each time) and without growing Ajv's
// cache. The logger's load (jwt off) and the plugin's (jwt on) are two sets.
const schemas = new Map<string, Record<string, unknown>>()

/** The JSON schema env-schema validates the selected variables against, built once per set of groups. */
export function envSchemaFor(
  groups: ReadonlySet<string>,
  specs: readonly VariableSpec[],
): Record<string, unknown> {
  const key = [...groups].sort().join(',')
  let schema = schemas.get(key)
  if (schema === undefined) {
    schema = buildEnvSchema(specs)
    schemas.set(key, schema)
  }
  return schema
}

function buildEnvSchema(specs: readonly VariableSpec[]): Record<string, unknown> {
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
