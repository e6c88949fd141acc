/** The one "is a plain object" test of this package: an object, not null, not an array. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** A JSON schema's `properties`, when it has them. */
export function propertiesOf(schema: unknown): Record<string, unknown> | undefined {
  if (!isPlainObject(schema)) return undefined
  return isPlainObject(schema.properties) ? schema.properties : undefined
}
