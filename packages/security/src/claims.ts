import { isRecord } from './is-record.js'
import type { JwtClaims } from './predicate.js'

/** A verified (or, when validation is ignored, decoded) token reduced to what predicates read. */
export interface Principal {
  readonly claims: JwtClaims
  /** Null when the scope claim has a type other than string or list of strings (answered 403). */
  readonly scopes: readonly string[] | null
  /** Epoch ms after which the cached entry must not be served. */
  readonly expiresAt: number
}

/** Why a token was refused; logged at debug level, never sent. */
export class Rejection {
  readonly reason: string
  constructor(reason: string) {
    this.reason = reason
  }
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value)
    for (const v of Object.values(value)) deepFreeze(v)
  }
  return value
}

function decodeSegment(segment: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'))
    return isRecord(value) ? value : undefined
  } catch {
    return undefined
  }
}

/** The payload of a compact JWS, decoded without any check; undefined unless it is a JSON object. */
export function decodePayloadUnverified(token: string): Record<string, unknown> | undefined {
  const first = token.indexOf('.')
  if (first <= 0) return undefined
  const second = token.indexOf('.', first + 1)
  if (second === -1) return undefined
  return decodeSegment(token.slice(first + 1, second))
}

/** The `kid` of a compact JWS's header, decoded without any check. */
export function decodeKidUnverified(token: string): string | undefined {
  const first = token.indexOf('.')
  const kid = first <= 0 ? undefined : decodeSegment(token.slice(0, first))?.kid
  return typeof kid === 'string' ? kid : undefined
}

/**
 * Registered claims fast-jwt does not check the type of, checked here (RFC 7519 §4.1): `iat` a
 * NumericDate, `sub` and `jti` strings, when present. With a maximum age, an `iat` in the future
 * (beyond the tolerance) is refused too, as jose and Auth0's middleware do. The reason, or undefined.
 */
export function claimTypeProblem(
  payload: Record<string, unknown>,
  maxAgeMs: number | undefined,
  toleranceMs: number,
): string | undefined {
  const { iat, sub, jti } = payload
  if (iat !== undefined && (typeof iat !== 'number' || !Number.isFinite(iat)))
    return 'iat is not a NumericDate'
  if (sub !== undefined && typeof sub !== 'string') return 'sub is not a string'
  if (jti !== undefined && typeof jti !== 'string') return 'jti is not a string'
  if (maxAgeMs !== undefined && (iat as number) * 1000 > Date.now() + toleranceMs)
    return 'iat is in the future'
  return undefined
}

/**
 * The scope claim as a list: a space-separated string, or (fbi only) a JSON array of strings.
 * Null for any other type, which is answered 403 (the original refused anything but a string).
 */
function parseScopes(raw: unknown, stringOnly: boolean): readonly string[] | null {
  if (raw === undefined) return []
  if (typeof raw === 'string') return raw.split(' ').filter((s) => s.length > 0)
  if (!stringOnly && Array.isArray(raw) && raw.every((s) => typeof s === 'string')) return raw
  return null
}

/** The issuer's metadata claims flattened into one principal, as the seed's parse_access_token. */
export function normalise(
  payload: Record<string, unknown>,
  claimsKey: string,
  scopesKey: string,
  expiresAt: number,
  stringScopesOnly = false,
): Principal {
  const claims: Record<string, unknown> = {}
  const metadata = payload[claimsKey]
  if (isRecord(metadata)) {
    for (const key of Object.keys(metadata)) {
      if (key === '__proto__') continue
      const value = metadata[key]
      if (key === 'locations') {
        claims.location_ids = Array.isArray(value)
          ? value.filter(isRecord).map((location) => location.id)
          : []
        continue
      }
      claims[key] = value
    }
  }
  if (payload.iss !== undefined) claims.iss = payload.iss
  if (payload.sub !== undefined) claims.sub = payload.sub
  claims.raw = payload
  return deepFreeze({
    claims: claims as JwtClaims,
    scopes: parseScopes(payload[scopesKey], stringScopesOnly),
    expiresAt,
  })
}
