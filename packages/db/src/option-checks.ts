import { FBI_DB_INVALID_OPTION } from './errors.js'

/** The checks every option goes through, one way for the whole package. */
export function nonEmptyString(value: unknown, path: string): void {
  if (value !== undefined && (typeof value !== 'string' || value.length === 0)) {
    throw new FBI_DB_INVALID_OPTION(path, 'must be a non-empty string')
  }
}

export function integer(value: unknown, path: string, min: number): void {
  if (value !== undefined && (!Number.isInteger(value) || (value as number) < min)) {
    throw new FBI_DB_INVALID_OPTION(path, `must be an integer >= ${min}`)
  }
}

export function boolean(value: unknown, path: string): void {
  if (value !== undefined && typeof value !== 'boolean')
    throw new FBI_DB_INVALID_OPTION(path, 'must be a boolean')
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
