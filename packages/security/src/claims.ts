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

/** The payload of a compact JWS, decoded without any check; undefined unless it is a JSON object. */
export function decodePayloadUnverified(token: string): Record<string, unknown> | undefined {
  const first = token.indexOf('.')
  if (first <= 0) return undefined
  const second = token.indexOf('.', first + 1)
  if (second === -1) return undefined
  try {
    const payload: unknown = JSON.parse(
      Buffer.from(token.slice(first + 1, second), 'base64url').toString('utf8'),
    )
    return isRecord(payload) ? payload : undefined
  } catch {
    return undefined
  }
}

function parseScopes(raw: unknown): readonly string[] | null {
  if (raw === undefined) return []
  if (typeof raw === 'string') return raw.split(' ').filter((s) => s.length > 0)
  if (Array.isArray(raw) && raw.every((s) => typeof s === 'string')) return raw
  return null
}

/** The issuer's metadata claims flattened into one principal, as the seed's parse_access_token. */
export function normalise(
  payload: Record<string, unknown>,
  claimsKey: string,
  scopesKey: string,
  expiresAt: number,
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
  return deepFreeze({ claims: claims as JwtClaims, scopes: parseScopes(payload[scopesKey]), expiresAt })
}
