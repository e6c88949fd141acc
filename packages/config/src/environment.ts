import { NON_PRODUCTION_ENVIRONMENTS } from './types.js'

const nonProduction: ReadonlySet<string> = new Set(NON_PRODUCTION_ENVIRONMENTS)

/**
 * True for every environment that is not one of the seed's non-production names, including
 * unknown, misspelt or lower-case values: a typo must never switch production safeguards off.
 * Without an argument it reads ENVIRONMENT from process.env (default PRODUCTION).
 */
export function isProduction(
  environment: string | undefined = process.env.ENVIRONMENT ?? 'PRODUCTION',
): boolean {
  return !nonProduction.has(environment)
}

export function isNonProduction(environment?: string): boolean {
  return !isProduction(environment)
}
