import type { JwtClaims } from './predicate.js'

// Reading the context: own properties only, so a claim or parameter named like an Object.prototype
// member (constructor, toString) is never read from the prototype.

export function hasClaim(claims: JwtClaims, key: string): boolean {
  return Object.hasOwn(claims, key)
}

export function claimOf(claims: JwtClaims, key: string): unknown {
  return hasClaim(claims, key) ? claims[key] : undefined
}

export function ownValue(values: Readonly<Record<string, unknown>>, key: string): unknown {
  return Object.hasOwn(values, key) ? values[key] : undefined
}

/** Strict comparison of a request value with a claim: no type coercion, 123 never equals "123". */
export function sameValue(requestValue: unknown, claimValue: unknown): boolean {
  return requestValue !== undefined && requestValue !== null && requestValue === claimValue
}
