import { createPublicKey, type KeyObject } from 'node:crypto'
import { EC_CURVES, isEcAlgorithm } from './algorithms.js'

/*
 * Why not get-jwks (which we evaluated for this): under Node's global fetch its `timeout` fetch
 * option is silently ignored, so a provider that accepts the connection and never answers holds
 * a request for minutes, and the pending promise it caches blocks that kid until it settles; it
 * fetches the whole document once per (alg, kid) with no cooldown, so a flood of random kids means
 * a flood of fetches; and its stale copy expires after the same TTL, so keys vanish while the
 * provider stays down. Wrapping it would have meant re-implementing each of those around it, so
 * this small store does the whole job with fetch + AbortSignal.timeout and node:crypto's JWK import.
 */

export interface JwksStoreOptions {
  /** How long a fetched key set is fresh; after that the next use refreshes it in the background. */
  ttlMs: number
  /** Per-fetch deadline. */
  timeoutMs: number
  /** Minimum time between two fetches (unknown kids, refreshes, failures alike). */
  cooldownMs: number
  /**
   * Told about every fetch once it settles: `failure` is null for a usable key set (the plugin logs
   * failures at warn, an operational problem of ours, and counts both in /metrics when it can).
   */
  onFetch?: (url: string, failure: JwksFetchFailure | null) => void
}

/** Why a fetch gave no usable key set; a small fixed set, so it can label a metric. */
export type JwksFailureReason =
  | 'timeout'
  | 'network'
  | 'http_status'
  | 'not_json'
  | 'no_keys_array'
  | 'no_usable_key'
  | 'too_large'

export interface JwksFetchFailure {
  reason: JwksFailureReason
  message: string
}

class JwksFetchError extends Error {
  readonly reason: JwksFailureReason
  constructor(reason: JwksFailureReason, message: string) {
    super(message)
    this.reason = reason
  }
}

function toFailure(error: unknown): JwksFetchFailure {
  if (error instanceof JwksFetchError) return { reason: error.reason, message: error.message }
  // AbortSignal.timeout aborts with a TimeoutError DOMException, whether the headers or the body were late.
  if (error instanceof Error && error.name === 'TimeoutError')
    return { reason: 'timeout', message: 'JWKS request timed out' }
  return { reason: 'network', message: error instanceof Error ? error.message : String(error) }
}

interface StoredKey {
  readonly pem: string
  readonly kty: 'RSA' | 'EC'
  readonly crv: string | undefined
  readonly alg: string | undefined
}

/** What the health check and the debug log learn about a provider. */
export interface JwksStatus {
  url: string
  keys: number
  fetchedAt: string | null
  lastError: string | null
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
    key = createPublicKey({ key: jwk as import('node:crypto').JsonWebKey, format: 'jwk' })
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

/** Keys of one JWKS URL: fresh for ttlMs, refetched at most once per cooldown, kept while the provider is down. */
export class JwksStore {
  readonly url: string
  private readonly options: JwksStoreOptions
  private keys = new Map<string, StoredKey>()
  private fetchedAt = 0
  private lastAttemptAt = Number.NEGATIVE_INFINITY
  private lastError: string | null = null
  private inflight: Promise<void> | undefined

  constructor(url: string, options: JwksStoreOptions) {
    this.url = url
    this.options = options
  }

  /**
   * The PEM for `kid`, checked against the token's `alg` (RS/PS need an RSA key, ES256/384/512 the
   * matching curve), or undefined: unknown kid, provider unreachable with no copy, or a mismatch.
   */
  async getKey(kid: string, alg: string): Promise<string | undefined> {
    const now = Date.now()
    let key = this.keys.get(kid)
    if (key === undefined) {
      if (this.mayFetch(now)) {
        await this.refresh()
        key = this.keys.get(kid)
      }
    } else if (this.isStale(now) && this.mayFetch(now)) {
      // Serve the cached key now; refresh for the next requests (a failure keeps the old keys).
      void this.refresh()
    }
    if (key === undefined) return undefined
    if (key.alg !== undefined && key.alg !== alg) return undefined
    if (isEcAlgorithm(alg)) return key.kty === 'EC' && key.crv === EC_CURVES[alg] ? key.pem : undefined
    return key.kty === 'RSA' ? key.pem : undefined
  }

  // Stale once ttlMs have passed, so a ttl of 0 refreshes every time, even within the same millisecond.
  private isStale(now: number): boolean {
    return now - this.fetchedAt >= this.options.ttlMs
  }

  private mayFetch(now: number): boolean {
    return this.inflight !== undefined || now - this.lastAttemptAt >= this.options.cooldownMs
  }

  /** One fetch at a time; concurrent callers share it. Never rejects. */
  refresh(): Promise<void> {
    if (this.inflight !== undefined) return this.inflight
    this.lastAttemptAt = Date.now()
    this.inflight = this.fetchKeys()
      .then(
        (keys) => {
          this.keys = keys
          this.fetchedAt = Date.now()
          this.lastError = null
          this.options.onFetch?.(this.url, null)
        },
        (error: unknown) => {
          const failure = toFailure(error)
          this.lastError = failure.message
          this.options.onFetch?.(this.url, failure)
        },
      )
      .finally(() => {
        this.inflight = undefined
      })
    return this.inflight
  }

  private async fetchKeys(): Promise<Map<string, StoredKey>> {
    const response = await fetch(this.url, {
      signal: AbortSignal.timeout(this.options.timeoutMs),
      headers: { accept: 'application/json' },
    })
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

  /** Fetches when nothing is held or the set is stale (subject to the cooldown) and reports the state. */
  async status(): Promise<JwksStatus> {
    const now = Date.now()
    if ((this.keys.size === 0 || this.isStale(now)) && this.mayFetch(now)) await this.refresh()
    return {
      url: this.url,
      keys: this.keys.size,
      fetchedAt: this.fetchedAt === 0 ? null : new Date(this.fetchedAt).toISOString(),
      lastError: this.lastError,
    }
  }
}
