import { type Algorithm, createVerifier, type DecodedJwt } from 'fast-jwt'
import { isAsymmetricAlgorithm } from './algorithms.js'
import { claimTypeProblem, decodePayloadUnverified, normalise, type Principal, Rejection } from './claims.js'
import { FBI_SECURITY_INVALID_OPTION } from './errors.js'
import { isRecord } from './is-record.js'
import type { ResolvedIssuer } from './issuer-types.js'
import { JwksStore, type JwksStoreOptions } from './jwks.js'
import { TokenCache } from './token-cache.js'

export interface VerifierOptions extends JwksStoreOptions {
  clockToleranceSec: number
  /** Seconds since `iat`; undefined for no limit. */
  maxTokenAge: number | undefined
  cacheSize: number
  /** Only a string scope claim is accepted (compat 'flask', as the original). Default: false. */
  stringScopesOnly?: boolean
}

interface IssuerRuntime {
  readonly claimsKey: string
  readonly scopesKey: string
  readonly verify: (token: string) => unknown
  readonly jwks: JwksStore | undefined
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
  private readonly cache: TokenCache | undefined
  readonly jwksStores: JwksStore[] = []
  private readonly maxAgeMs: number | undefined
  private readonly toleranceMs: number
  private readonly stringScopesOnly: boolean

  constructor(issuers: readonly ResolvedIssuer[], options: VerifierOptions) {
    this.cache = options.cacheSize > 0 ? new TokenCache(options.cacheSize) : undefined
    this.maxAgeMs = options.maxTokenAge === undefined ? undefined : options.maxTokenAge * 1000
    this.toleranceMs = options.clockToleranceSec * 1000
    this.stringScopesOnly = options.stringScopesOnly ?? false
    const stores = new Map<string, JwksStore>()
    for (const issuer of issuers) {
      const pinned = {
        clockTolerance: this.toleranceMs,
        ...(this.maxAgeMs === undefined ? {} : { maxAge: this.maxAgeMs }),
        // exp is required unless the issuer is told otherwise: a token that never expires would be
        // valid (and cacheable) forever.
        requiredClaims: [
          'iss',
          ...(issuer.requireAudience ? ['aud'] : []),
          ...(issuer.requireExpiry ? ['exp'] : []),
          ...(this.maxAgeMs === undefined ? [] : ['iat']),
        ],
        cache: false,
        // A copy: fast-jwt keeps the array it is given.
        algorithms: [...issuer.algorithms] as Algorithm[],
        allowedIss: issuer.issuer,
        allowedAud: issuer.audience,
      }
      let verify: (token: string) => unknown
      let jwks: JwksStore | undefined
      try {
        if (issuer.kind === 'hs') {
          verify = createVerifier({ ...pinned, key: issuer.key })
        } else {
          jwks = stores.get(issuer.jwksUrl)
          if (jwks === undefined) {
            jwks = new JwksStore(issuer.jwksUrl, options)
            stores.set(issuer.jwksUrl, jwks)
            this.jwksStores.push(jwks)
          }
          verify = createVerifier({ ...pinned, key: jwksKey(jwks) })
        }
      } catch (error) {
        // fast-jwt refuses a key unfit for its algorithms (e.g. a PEM given as an HS key).
        throw new FBI_SECURITY_INVALID_OPTION('issuers', describeError(error))
      }
      this.issuers.set(issuer.issuer, {
        claimsKey: issuer.claimsKey,
        scopesKey: issuer.scopesKey,
        verify,
        jwks,
      })
    }
  }

  /** A principal verified before (see TokenCache), else undefined. */
  cached(token: string): Principal | undefined {
    return this.cache?.get(token)
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
    return normalise(payload, issuer.claimsKey, issuer.scopesKey, 0, this.stringScopesOnly)
  }

  private accept(token: string, issuer: IssuerRuntime, payload: unknown): Principal | Rejection {
    if (!isRecord(payload)) return new Rejection('payload is not an object')
    const problem = claimTypeProblem(payload, this.maxAgeMs, this.toleranceMs)
    if (problem !== undefined) return new Rejection(problem)
    // No exp (an issuer told not to require it): valid now, never cached.
    let expiresAt = typeof payload.exp === 'number' ? payload.exp * 1000 : Number.POSITIVE_INFINITY
    if (this.maxAgeMs !== undefined)
      expiresAt = Math.min(expiresAt, (payload.iat as number) * 1000 + this.maxAgeMs)
    const principal = normalise(payload, issuer.claimsKey, issuer.scopesKey, expiresAt, this.stringScopesOnly)
    this.cache?.set(token, principal, issuer.jwks)
    return principal
  }
}
