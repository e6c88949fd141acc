import { type Algorithm, createVerifier, type DecodedJwt } from 'fast-jwt'
import { LRUCache } from 'lru-cache'
import { isAsymmetricAlgorithm } from './algorithms.js'
import { decodePayloadUnverified, normalise, type Principal, Rejection } from './claims.js'
import { FBI_SECURITY_INVALID_OPTION } from './errors.js'
import { isRecord } from './is-record.js'
import type { ResolvedIssuer } from './issuers.js'
import { JwksStore, type JwksStoreOptions } from './jwks.js'

export interface VerifierOptions extends JwksStoreOptions {
  clockToleranceSec: number
  /** Seconds since `iat`; undefined for no limit. */
  maxTokenAge: number | undefined
  cacheSize: number
}

interface IssuerRuntime {
  readonly claimsKey: string
  readonly scopesKey: string
  readonly verify: (token: string) => unknown
}

function describeError(error: unknown): string {
  if (error instanceof Rejection) return error.reason
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code
    const text = typeof code === 'string' ? `${code}: ${error.message}` : error.message
    // fast-jwt wraps what our key callback threw ("Cannot fetch key."): keep the reason for the debug log.
    const inner = (error as { originalError?: unknown }).originalError ?? error.cause
    return inner === undefined ? text : `${text} (${describeError(inner)})`
  }
  return String(error)
}

/** The key callback of a JWKS issuer: the store's key for the token's kid, fitting its alg. */
function jwksKey(store: JwksStore): (decoded: DecodedJwt) => Promise<string> {
  return async (decoded) => {
    const { kid, alg } = decoded.header
    if (typeof kid !== 'string') throw new Rejection('token header has no kid')
    // Checked here too (fast-jwt checks after asking for the key), so a forged alg costs no fetch.
    if (!isAsymmetricAlgorithm(alg)) throw new Rejection('algorithm not allowed for this issuer')
    const pem = await store.getKey(kid, alg)
    if (pem === undefined) throw new Rejection(`no usable key for kid ${kid} (${store.url})`)
    return pem
  }
}

/**
 * Chooses the issuer by the unverified `iss`, verifies with that issuer's pinned algorithms and
 * key, and keeps verified principals in a bounded LRU keyed by the token string.
 */
export class TokenVerifier {
  private readonly issuers = new Map<string, IssuerRuntime>()
  private readonly cache: LRUCache<string, Principal> | undefined
  readonly jwksStores: JwksStore[] = []
  private readonly maxAgeMs: number | undefined

  constructor(issuers: readonly ResolvedIssuer[], options: VerifierOptions) {
    this.cache =
      options.cacheSize > 0 ? new LRUCache<string, Principal>({ max: options.cacheSize }) : undefined
    this.maxAgeMs = options.maxTokenAge === undefined ? undefined : options.maxTokenAge * 1000
    const stores = new Map<string, JwksStore>()
    const common = {
      clockTolerance: options.clockToleranceSec * 1000,
      ...(this.maxAgeMs === undefined ? {} : { maxAge: this.maxAgeMs }),
      // exp is required: a token that never expires would be valid (and cacheable) forever.
      requiredClaims: this.maxAgeMs === undefined ? ['iss', 'aud', 'exp'] : ['iss', 'aud', 'exp', 'iat'],
      cache: false,
    }
    for (const issuer of issuers) {
      const pinned = {
        ...common,
        // A copy: fast-jwt keeps the array it is given.
        algorithms: [...issuer.algorithms] as Algorithm[],
        allowedIss: issuer.issuer,
        allowedAud: issuer.audience,
      }
      let verify: (token: string) => unknown
      try {
        if (issuer.kind === 'hs') {
          verify = createVerifier({ ...pinned, key: issuer.key })
        } else {
          let store = stores.get(issuer.jwksUrl)
          if (store === undefined) {
            store = new JwksStore(issuer.jwksUrl, options)
            stores.set(issuer.jwksUrl, store)
            this.jwksStores.push(store)
          }
          verify = createVerifier({ ...pinned, key: jwksKey(store) })
        }
      } catch (error) {
        // fast-jwt refuses a key unfit for its algorithms (e.g. a PEM given as an HS key).
        throw new FBI_SECURITY_INVALID_OPTION('issuers', describeError(error))
      }
      this.issuers.set(issuer.issuer, { claimsKey: issuer.claimsKey, scopesKey: issuer.scopesKey, verify })
    }
  }

  /** A cached principal still inside its lifetime, else undefined. The hot path: no decoding. */
  cached(token: string): Principal | undefined {
    const cache = this.cache
    if (cache === undefined) return undefined
    const hit = cache.get(token)
    if (hit === undefined) return undefined
    if (hit.expiresAt > Date.now()) return hit
    cache.delete(token)
    return undefined
  }

  /** Full verification; a Promise only for JWKS issuers. */
  verify(token: string): Principal | Rejection | Promise<Principal | Rejection> {
    const unverified = decodePayloadUnverified(token)
    if (unverified === undefined) return new Rejection('token is not a JWS with a JSON object payload')
    const iss = unverified.iss
    // Refused before any key is looked at or fetched.
    const issuer = typeof iss === 'string' ? this.issuers.get(iss) : undefined
    if (issuer === undefined)
      return new Rejection(typeof iss === 'string' ? 'unknown issuer' : 'token has no issuer')
    let result: unknown
    try {
      result = issuer.verify(token)
    } catch (error) {
      return new Rejection(describeError(error))
    }
    if (result instanceof Promise) {
      return result.then(
        (payload: unknown) => this.accept(token, issuer, payload),
        (error: unknown) => new Rejection(describeError(error)),
      )
    }
    return this.accept(token, issuer, result)
  }

  /** Decodes without verification (IGNORE_JWT_VALIDATION); unknown issuers give empty claims, as in the seed. */
  decodeIgnoringValidation(token: string): Principal | undefined {
    const payload = decodePayloadUnverified(token)
    if (payload === undefined || typeof payload.iss !== 'string') return undefined
    const issuer = this.issuers.get(payload.iss)
    if (issuer === undefined) return undefined
    return normalise(payload, issuer.claimsKey, issuer.scopesKey, 0)
  }

  private accept(token: string, issuer: IssuerRuntime, payload: unknown): Principal | Rejection {
    if (!isRecord(payload)) return new Rejection('payload is not an object')
    const exp = payload.exp as number
    let expiresAt = exp * 1000
    if (this.maxAgeMs !== undefined && typeof payload.iat === 'number') {
      expiresAt = Math.min(expiresAt, payload.iat * 1000 + this.maxAgeMs)
    }
    const principal = normalise(payload, issuer.claimsKey, issuer.scopesKey, expiresAt)
    this.cache?.set(token, principal)
    return principal
  }
}
