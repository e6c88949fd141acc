import { FBI_MONITORING_INVALID_OPTION } from './errors.js'

/** The one "is a plain object" of the package: an object, not null, not an array. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

export function invalid(name: string, why: string): never {
  throw new FBI_MONITORING_INVALID_OPTION(name, why)
}

/** An integer option of at least `min`, or `fallback` when unset. */
export function integerOption(name: string, value: unknown, fallback: number, min: number): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    invalid(name, `must be an integer >= ${min}`)
  }
  return value
}

export function booleanOption(name: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback
  if (typeof value !== 'boolean') invalid(name, 'must be a boolean')
  return value
}

export function stringOption(name: string, value: unknown): string | undefined {
  if (value === undefined) return undefined
  if (typeof value !== 'string' || value.length === 0) invalid(name, 'must be a non-empty string')
  return value
}

/** One of `choices`, or `fallback` when unset. */
export function choiceOption<T extends string>(
  name: string,
  value: unknown,
  choices: readonly T[],
  fallback: T,
): T {
  if (value === undefined) return fallback
  if (!choices.includes(value as T))
    invalid(name, `must be one of ${choices.map((c) => `'${c}'`).join(', ')}`)
  return value as T
}
