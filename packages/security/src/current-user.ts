import type { FastifyRequest } from 'fastify'
import type { JwtClaims } from './predicate.js'

const USER_ID_KEYS = ['patient_id', 'device_id', 'clinician_id', 'system_id'] as const

/** The claim a caller's user id is read from, or `unknown`. */
export type JwtUserIdKind = (typeof USER_ID_KEYS)[number] | 'unknown'

/** A request whose token was verified: what a handler of a protected route receives. */
export type AuthenticatedRequest<R extends FastifyRequest = FastifyRequest> = R & {
  jwtClaims: JwtClaims
  jwtScopes: readonly string[]
}

/**
 * True when the request carries verified claims (a protected route's handler); narrows
 * `request.jwtClaims` and `request.jwtScopes` to non-null.
 */
export function isAuthenticated<R extends FastifyRequest>(request: R): request is AuthenticatedRequest<R> {
  return request.jwtClaims !== null && request.jwtClaims !== undefined && Array.isArray(request.jwtScopes)
}

/** The first user id claim the token has, as the seed looked for it: its name and its value as text. */
function userIdClaim(
  claims: Readonly<Record<string, unknown>>,
): [(typeof USER_ID_KEYS)[number], string] | undefined {
  for (const key of USER_ID_KEYS) {
    const value = Object.hasOwn(claims, key) ? claims[key] : undefined
    if (typeof value === 'string' && value.length > 0) return [key, value]
    if (typeof value === 'number' && Number.isFinite(value)) return [key, String(value)]
  }
  return undefined
}

/**
 * What may be said of the caller where logs and traces go: the token's issuer and the claim its
 * user id comes from (the one `currentJwtUser` reads), never the id or the token. Null when the
 * request carries no verified claims (an unprotected route, or before its token is checked).
 */
export function describeCurrentJwtUser(
  request: FastifyRequest,
): { issuer: string; userIdKind: JwtUserIdKind } | null {
  const claims: Readonly<Record<string, unknown>> | null | undefined = request.jwtClaims
  if (claims === null || claims === undefined) return null
  const issuer = Object.hasOwn(claims, 'iss') ? claims.iss : undefined
  return {
    issuer: typeof issuer === 'string' ? issuer : 'unknown',
    userIdKind: userIdClaim(claims)?.[0] ?? 'unknown',
  }
}

/**
 * The id of the user behind the request's token: its patient_id, device_id, clinician_id or
 * system_id claim (in that order, as the seed), else "unknown". Used for created_by/modified_by.
 */
export function currentJwtUser(request: FastifyRequest): string {
  const claims: Readonly<Record<string, unknown>> | null | undefined = request.jwtClaims
  if (claims === null || claims === undefined) return 'unknown'
  const found = userIdClaim(claims)
  if (found !== undefined) return found[1]
  if (Object.keys(claims).length > 0) {
    // There are claims, so a user id was expected (the seed warns too); the claim names only, no values.
    request.log.warn({ claims: Object.keys(claims) }, 'Could not get the user id from the JWT claims')
  }
  return 'unknown'
}
