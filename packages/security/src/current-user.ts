import type { FastifyRequest } from 'fastify'

const USER_ID_KEYS = ['patient_id', 'device_id', 'clinician_id', 'system_id'] as const

/**
 * The id of the user behind the request's token: its patient_id, device_id, clinician_id or
 * system_id claim (in that order, as the seed), else "unknown". Used for created_by/modified_by.
 */
export function currentJwtUser(request: FastifyRequest): string {
  const claims = (request as { jwtClaims?: Readonly<Record<string, unknown>> | null }).jwtClaims
  if (claims === null || claims === undefined) return 'unknown'
  for (const key of USER_ID_KEYS) {
    const value = Object.hasOwn(claims, key) ? claims[key] : undefined
    if (typeof value === 'string' && value.length > 0) return value
    if (typeof value === 'number' && Number.isFinite(value)) return String(value)
  }
  if (Object.keys(claims).length > 0) {
    // There are claims, so a user id was expected (the seed warns too); the claim names only, no values.
    request.log.warn({ claims: Object.keys(claims) }, 'Could not get the user id from the JWT claims')
  }
  return 'unknown'
}
