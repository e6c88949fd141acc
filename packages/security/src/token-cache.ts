import { LRUCache } from 'lru-cache'
import { decodeKidUnverified, type Principal } from './claims.js'
import type { JwksStore } from './jwks.js'

/**
 * A verified token in the cache. For a JWKS issuer it also names the key that verified it and the
 * store generation that key was last known current in, so a hit can prove the key was not revoked.
 */
interface CacheEntry {
  readonly principal: Principal
  readonly store: JwksStore | undefined
  readonly kid: string
  readonly pem: string
  generation: number
}

/**
 * Verified tokens, a bounded LRU keyed by the token string, never served past their `exp` (or
 * `iat` + maxTokenAge), nor once the provider stopped publishing the key that signed them.
 */
export class TokenCache {
  private readonly cache: LRUCache<string, CacheEntry>

  constructor(size: number) {
    this.cache = new LRUCache<string, CacheEntry>({ max: size })
  }

  /**
   * The principal of a token verified before, still inside its lifetime and, for a JWKS issuer,
   * still signed by a key the provider publishes. The hot path: no decoding; while the provider's
   * key set has not changed since the token was checked, the key check is one comparison.
   */
  get(token: string): Principal | undefined {
    const hit = this.cache.get(token)
    if (hit === undefined) return undefined
    const now = Date.now()
    if (hit.principal.expiresAt <= now) {
      this.cache.delete(token)
      return undefined
    }
    const store = hit.store
    if (store !== undefined) {
      if (hit.generation !== store.generation) {
        // The key was removed or replaced (revoked): verify again, which now fails.
        if (!store.isCurrent(hit.kid, hit.pem)) {
          this.cache.delete(token)
          return undefined
        }
        hit.generation = store.generation
      }
      // When only cache hits arrive, they must still bring a revocation to light.
      store.refreshIfStale(now)
    }
    return hit.principal
  }

  /** Remembers a token just verified; `store` is its issuer's JWKS store (undefined for HS issuers). */
  set(token: string, principal: Principal, store: JwksStore | undefined): void {
    // No exp (an issuer told not to require it): valid now, never remembered.
    if (principal.expiresAt === Number.POSITIVE_INFINITY) return
    if (store === undefined) {
      this.cache.set(token, { principal, store, kid: '', pem: '', generation: 0 })
      return
    }
    const kid = decodeKidUnverified(token)
    const pem = kid === undefined ? undefined : store.currentPem(kid)
    // Its key left the store while it was being verified: valid now, not remembered.
    if (kid !== undefined && pem !== undefined) {
      this.cache.set(token, { principal, store, kid, pem, generation: store.generation })
    }
  }
}
