import { createPublicKey, type JsonWebKey, type KeyObject } from 'node:crypto'
import { describeThrown } from './thrown.js'

/** Why a fetch gave no usable key set; a small fixed set, so it can label a metric. */
export type JwksFailureReason =
  | 'timeout'
  | 'network'
  | 'http_status'
  | 'not_json'
  | 'no_keys_array'
  | 'no_usable_key'
  | 'too_large'
  | 'redirect'

export interface JwksFetchFailure {
  reason: JwksFailureReason
  message: string
}

export class JwksFetchError extends Error {
  readonly reason: JwksFailureReason
  constructor(reason: JwksFailureReason, message: string) {
    super(message)
    this.reason = reason
  }
}

export function toFailure(error: unknown): JwksFetchFailure {
  try {
    if (error instanceof JwksFetchError) return { reason: error.reason, message: error.message }
    // AbortSignal.timeout aborts with a TimeoutError DOMException, whether the headers or the body were late.
    if (error instanceof Error && error.name === 'TimeoutError')
      return { reason: 'timeout', message: 'JWKS request timed out' }
    return { reason: 'network', message: error instanceof Error ? error.message : String(error) }
  } catch {
    // fetch may be anyone's (a replaced global) and reject with anything: a failure described here
    // keeps `refresh` from rejecting, in the background where no one would catch it.
    return { reason: 'network', message: describeThrown(error) }
  }
}

export interface StoredKey {
  readonly pem: string
  readonly kty: 'RSA' | 'EC'
  readonly crv: string | undefined
  readonly alg: string | undefined
}

const MIN_RSA_BITS = 2048
/** A key set is a few kilobytes; a provider (or whatever answers in its place) sending more is refused. */
export const MAX_JWKS_BYTES = 1024 * 1024

/** The body as text, refusing (and cancelling) one larger than `limit` bytes, announced or not. */
async function readLimited(response: Response, limit: number): Promise<string> {
  const announced = Number(response.headers.get('content-length'))
  if (Number.isFinite(announced) && announced > limit) {
    await response.body?.cancel()
    throw new JwksFetchError('too_large', `JWKS response larger than ${limit} bytes`)
  }
  if (response.body === null) return ''
  const reader = response.body.getReader()
  const chunks: Uint8Array[] = []
  let size = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    size += value.byteLength
    if (size > limit) {
      await reader.cancel()
      throw new JwksFetchError('too_large', `JWKS response larger than ${limit} bytes`)
    }
    chunks.push(value)
  }
  return Buffer.concat(chunks).toString('utf8')
}

function toStoredKey(jwk: unknown): [string, StoredKey] | undefined {
  if (typeof jwk !== 'object' || jwk === null) return undefined
  const { kid, kty, use, alg, crv } = jwk as Record<string, unknown>
  if (typeof kid !== 'string' || kid.length === 0) return undefined
  if (kty !== 'RSA' && kty !== 'EC') return undefined
  if (use !== undefined && use !== 'sig') return undefined
  let key: KeyObject
  try {
    key = createPublicKey({ key: jwk as JsonWebKey, format: 'jwk' })
  } catch {
    return undefined
  }
  // A weak RSA key is never used, whatever the provider says (RFC 7518 §3.3).
  if (kty === 'RSA' && (key.asymmetricKeyDetails?.modulusLength ?? 0) < MIN_RSA_BITS) return undefined
  const pem = key.export({ type: 'spki', format: 'pem' }).toString()
  return [
    kid,
    {
      pem,
      kty,
      crv: typeof crv === 'string' ? crv : undefined,
      alg: typeof alg === 'string' ? alg : undefined,
    },
  ]
}

const MAX_REDIRECTS = 3

/**
 * GET `url`, following redirects only within its own origin (same scheme, host and port), at most
 * MAX_REDIRECTS: a redirect elsewhere (https to http included) would let whoever answers there
 * choose our keys. fetch's own `redirect: 'follow'` follows any, so redirects are followed here.
 */
async function getSameOrigin(url: string, signal: AbortSignal): Promise<Response> {
  const origin = new URL(url).origin
  let target = url
  for (let redirects = 0; ; redirects++) {
    const response = await fetch(target, {
      signal,
      redirect: 'manual',
      headers: { accept: 'application/json' },
    })
    const location = response.headers.get('location')
    if (response.status < 300 || response.status > 399 || location === null) return response
    await response.body?.cancel()
    const next = new URL(location, target)
    if (next.origin !== origin) {
      throw new JwksFetchError('redirect', `JWKS request redirected to another origin (${next.origin})`)
    }
    if (redirects === MAX_REDIRECTS)
      throw new JwksFetchError('redirect', 'JWKS request redirected too many times')
    target = next.href
  }
}

/** Fetches and parses the key set at `url`; throws a JwksFetchError (or the fetch's own error). */
export async function fetchKeySet(url: string, timeoutMs: number): Promise<Map<string, StoredKey>> {
  const response = await getSameOrigin(url, AbortSignal.timeout(timeoutMs))
  if (!response.ok) {
    await response.body?.cancel()
    throw new JwksFetchError('http_status', `JWKS request answered ${response.status}`)
  }
  // A body that stops arriving is a timeout (the signal aborts the read), not a parse failure.
  const text = await readLimited(response, MAX_JWKS_BYTES)
  let body: unknown
  try {
    body = JSON.parse(text)
  } catch {
    throw new JwksFetchError('not_json', 'JWKS response is not JSON')
  }
  const list = typeof body === 'object' && body !== null ? (body as { keys?: unknown }).keys : undefined
  if (!Array.isArray(list)) throw new JwksFetchError('no_keys_array', 'JWKS response has no keys array')
  const keys = new Map<string, StoredKey>()
  for (const jwk of list) {
    const entry = toStoredKey(jwk)
    if (entry) keys.set(entry[0], entry[1])
  }
  if (keys.size === 0) throw new JwksFetchError('no_usable_key', 'JWKS response has no usable signing key')
  return keys
}
