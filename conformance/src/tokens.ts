import { createHmac } from 'node:crypto'
import { forgeToken } from '@fbi/security/testing'

/** The HMAC key both services are configured with (64 bytes: long enough for HS512, RFC 7518 §3.2). */
export const HS_KEY = 'conformance-hs-key-0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69'
export const PROXY_URL = 'http://localhost'
/** The internal issuer and audience of both services: PROXY_URL + "/". */
export const INTERNAL_ISSUER = `${PROXY_URL}/`

const HASHES = { HS256: 'sha256', HS384: 'sha384', HS512: 'sha512' } as const
export type HsAlgorithm = keyof typeof HASHES

export type Claims = Record<string, unknown>

/** A platform token that passes the /p/p1 route of both services: read:patient for patient p1. */
export function claims(overrides: Claims = {}, without: readonly string[] = []): Claims {
  const now = Math.floor(Date.now() / 1000)
  const payload: Claims = {
    iss: INTERNAL_ISSUER,
    aud: INTERNAL_ISSUER,
    iat: now,
    exp: now + 3600,
    scope: 'read:patient',
    metadata: { patient_id: 'p1' },
    ...overrides,
  }
  for (const key of without) delete payload[key]
  return payload
}

export interface SignOptions {
  /** Default: HS256. */
  algorithm?: HsAlgorithm
  /** Default: HS_KEY. */
  key?: string
  /** Written into the header instead of `algorithm` (the signature still uses `algorithm`). */
  claimedAlgorithm?: string
}

/**
 * An HS-signed token. The test kit's `forgeToken` encodes header and payload; the signature is
 * computed here rather than with `mintHsToken`, which always sets `iss` and `iat` and refuses a
 * header that does not match its key: the matrix needs tokens without them and with lying headers.
 */
export function sign(payload: Claims, options: SignOptions = {}): string {
  const algorithm = options.algorithm ?? 'HS256'
  const unsigned = forgeToken({ alg: options.claimedAlgorithm ?? algorithm, typ: 'JWT' }, payload).slice(
    0,
    -1,
  )
  const signature = createHmac(HASHES[algorithm], options.key ?? HS_KEY)
    .update(unsigned)
    .digest('base64url')
  return `${unsigned}.${signature}`
}

/** The header a client sends with a token. */
export function bearer(token: string): Record<string, string> {
  return { authorization: `Bearer ${token}` }
}
