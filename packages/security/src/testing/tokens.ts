/** Test tokens: the payload of a set of claims, HS-signed tokens, and forged ones. */
import { createSigner } from 'fast-jwt'
import type { HsAlgorithm } from '../algorithms.js'

export interface TokenClaimsOptions {
  /** `iss`. */
  issuer: string
  /** `aud`; omitted when undefined. */
  audience?: string | string[]
  /** The platform metadata (patient_id, clinician_id, locations, ...), put under `claimsKey`. */
  metadata?: Record<string, unknown>
  /** Scopes: a string is sent as is, a list is joined with spaces unless `scopeAsArray`; anything else as is (for wrong-type tests). */
  scope?: unknown
  /** Send a scope list as a JSON array. Default: false. */
  scopeAsArray?: boolean
  /** Default: "metadata". */
  claimsKey?: string
  /** Default: "scope". */
  scopesKey?: string
  /** `sub`. */
  subject?: string
  /** Seconds until `exp`, from now (negative for an expired token); null for no `exp`. Default: 300. */
  expiresInSec?: number | null
  /** Seconds until `nbf`, from now; undefined for no `nbf`. */
  notBeforeSec?: number
  /** Seconds since `iat`. Default: 0. */
  issuedAgoSec?: number
  /** Extra payload claims, applied last (they win). */
  extra?: Record<string, unknown>
}

/** The payload the options describe. */
export function buildPayload(options: TokenClaimsOptions): Record<string, unknown> {
  const now = Math.floor(Date.now() / 1000)
  const payload: Record<string, unknown> = { iss: options.issuer, iat: now - (options.issuedAgoSec ?? 0) }
  if (options.audience !== undefined) payload.aud = options.audience
  if (options.subject !== undefined) payload.sub = options.subject
  const expiresIn = options.expiresInSec === undefined ? 300 : options.expiresInSec
  if (expiresIn !== null) payload.exp = now + expiresIn
  if (options.notBeforeSec !== undefined) payload.nbf = now + options.notBeforeSec
  if (options.metadata !== undefined) payload[options.claimsKey ?? 'metadata'] = options.metadata
  if (options.scope !== undefined) {
    const scope = options.scope
    payload[options.scopesKey ?? 'scope'] =
      Array.isArray(scope) && !options.scopeAsArray ? scope.join(' ') : scope
  }
  return { ...payload, ...options.extra }
}

export interface HsTokenOptions extends TokenClaimsOptions {
  /** The HMAC key. */
  key: string
  /** Default: HS256. */
  algorithm?: HsAlgorithm
}

/** A token signed with an HMAC key, as the internal, custom-DB login and EPR issuers sign theirs. */
export function mintHsToken(options: HsTokenOptions): string {
  const payload = buildPayload(options)
  // fast-jwt's signer keeps a given iat, and only noTimestamp leaves it out.
  const sign = createSigner({
    key: options.key,
    algorithm: options.algorithm ?? 'HS256',
    noTimestamp: payload.iat === undefined,
  })
  return sign(payload)
}

/** A compact JWS with an arbitrary header and payload and no valid signature, for forgery tests. */
export function forgeToken(header: unknown, payload: unknown, signature = ''): string {
  const encode = (part: unknown): string => Buffer.from(JSON.stringify(part)).toString('base64url')
  return `${encode(header)}.${encode(payload)}.${signature}`
}
