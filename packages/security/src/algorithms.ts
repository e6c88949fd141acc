/*
 * The algorithm lists every part of the package reads. Frozen and typed readonly: fast-jwt keeps
 * the array it is given by reference, so a list a consumer could push to would be a way to widen
 * an issuer's allow-list at runtime. The verifier hands fast-jwt copies.
 */

export type HsAlgorithm = 'HS256' | 'HS384' | 'HS512'
export type AsymmetricAlgorithm =
  | 'RS256'
  | 'RS384'
  | 'RS512'
  | 'PS256'
  | 'PS384'
  | 'PS512'
  | 'ES256'
  | 'ES384'
  | 'ES512'
export type EcAlgorithm = 'ES256' | 'ES384' | 'ES512'

/** What HS issuers accept: HMAC with SHA-2 (RFC 7518 §3.2). */
export const HS_ALGORITHMS: readonly HsAlgorithm[] = Object.freeze(['HS256', 'HS384', 'HS512'] as const)

/** What JWKS issuers accept: RSA PKCS#1, RSA-PSS and ECDSA (never HS, never none). */
export const ASYMMETRIC_ALGORITHMS: readonly AsymmetricAlgorithm[] = Object.freeze([
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
] as const)

/** RFC 7518 §3.2: an HMAC key must be at least as long as the hash output, in bytes. */
export const HS_MIN_KEY_BYTES: Readonly<Record<HsAlgorithm, number>> = Object.freeze({
  HS256: 32,
  HS384: 48,
  HS512: 64,
})

/** The curve each ECDSA algorithm signs with (RFC 7518 §3.4). */
export const EC_CURVES: Readonly<Record<EcAlgorithm, string>> = Object.freeze({
  ES256: 'P-256',
  ES384: 'P-384',
  ES512: 'P-521',
})

export function isAsymmetricAlgorithm(alg: unknown): alg is AsymmetricAlgorithm {
  return (ASYMMETRIC_ALGORITHMS as readonly unknown[]).includes(alg)
}

export function isEcAlgorithm(alg: string): alg is EcAlgorithm {
  return Object.hasOwn(EC_CURVES, alg)
}

/** The HS algorithms `key` is long enough for (RFC 7518 §3.2), by its UTF-8 byte length. */
export function hsAlgorithmsForKey(key: string): readonly HsAlgorithm[] {
  const bytes = Buffer.byteLength(key)
  return HS_ALGORITHMS.filter((alg) => bytes >= HS_MIN_KEY_BYTES[alg])
}
