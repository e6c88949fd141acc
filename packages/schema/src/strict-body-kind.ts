// Apart from schemas.ts's helpers (which need TypeBox) so that the validator compiler, which reads the
// marker on every body schema, does not load TypeBox into a service that never uses it.
import { isPlainObject } from './plain-object.js'

/** The keys every stored entity carries; tolerated in strict bodies outside production. */
export const IDENTIFIER_KEYS = ['uuid', 'created', 'created_by', 'modified', 'modified_by'] as const

export const StrictBodyKey: unique symbol = Symbol.for('@fbi/schema.strictBody')

/** Which of the seed's body checks a strict body follows: `post` tolerates identifier keys, `update` does not. */
export type StrictBodyKind = 'post' | 'update'

/** `post` for StrictBody schemas, `update` for UpdateBody ones, undefined for anything else. */
export function strictBodyKind(schema: unknown): StrictBodyKind | undefined {
  if (!isPlainObject(schema)) return undefined
  return (schema as { [StrictBodyKey]?: StrictBodyKind })[StrictBodyKey]
}

/** True for schemas made by StrictBody or UpdateBody. */
export function isStrictBody(schema: unknown): boolean {
  return strictBodyKind(schema) !== undefined
}
