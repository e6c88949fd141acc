import { FBI_ALL_INVALID_OPTION } from './errors.js'

/** A battery switch: false (off), true (its defaults) or its own options. */
export type BatterySwitch<O> = boolean | O

/**
 * Turns a battery switch into the options to register it with, or null when it is off.
 * `fallback` is what an unset switch means.
 */
export function batteryOptions<O extends object>(
  name: string,
  value: BatterySwitch<O> | undefined,
  fallback: boolean,
): O | null {
  const resolved = value ?? fallback
  if (resolved === false) return null
  if (resolved === true) return {} as O
  if (typeof resolved !== 'object' || resolved === null || Array.isArray(resolved)) {
    throw new FBI_ALL_INVALID_OPTION(name, 'must be true, false or an options object')
  }
  return resolved
}
