import { EC_CURVES, isEcAlgorithm } from './algorithms.js'
import { fetchKeySet, type JwksFetchFailure, type StoredKey, toFailure } from './jwks-fetch.js'

export type { JwksFailureReason, JwksFetchFailure } from './jwks-fetch.js'

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

/** What the health check and the debug log learn about a provider. */
export interface JwksStatus {
  url: string
  keys: number
  fetchedAt: string | null
  lastError: string | null
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
  /**
   * Bumped by every successful fetch. A verified token remembers the generation it was checked
   * against; while it is unchanged the token's key is known to be current (a cache hit compares one
   * number), and when it moves the token's key is looked up again (see `isCurrent`).
   */
  generation = 0

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

  /** True when `kid` still maps to the key `pem` (it was not removed or replaced by a later fetch). */
  isCurrent(kid: string, pem: string): boolean {
    return this.keys.get(kid)?.pem === pem
  }

  /** The PEM currently held for `kid`, whatever the algorithm. */
  currentPem(kid: string): string | undefined {
    return this.keys.get(kid)?.pem
  }

  /** Starts a background refresh when the key set is stale (subject to the cooldown). */
  refreshIfStale(now: number): void {
    if (this.isStale(now) && this.mayFetch(now)) void this.refresh()
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
    this.inflight = fetchKeySet(this.url, this.options.timeoutMs)
      .then(
        (keys) => {
          this.keys = keys
          this.generation++
          this.fetchedAt = Date.now()
          this.lastError = null
          this.report(null)
        },
        (error: unknown) => {
          const failure = toFailure(error)
          this.lastError = failure.message
          this.report(failure)
        },
      )
      .finally(() => {
        this.inflight = undefined
      })
    return this.inflight
  }

  // The listener (logging, metrics) must not turn a settled fetch into a rejection: `refresh` never
  // rejects, and a background refresh has no one to catch it.
  private report(failure: JwksFetchFailure | null): void {
    try {
      this.options.onFetch?.(this.url, failure)
    } catch {
      // Nothing to do: the key set is already stored or kept.
    }
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
