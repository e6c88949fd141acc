import { type Algorithm, createVerifier, type DecodedJwt } from 'fast-jwt'
import { LRUCache } from 'lru-cache'
import { JwksStore, type JwksStoreOptions } from './jwks.js'
import type { JwtClaims } from './predicates.js'

/** An issuer whose tokens are HMAC-signed with a shared key (internal, custom-DB login, EPR adapter). */
export interface HsIssuer {
  /** The exact `iss` value. */
  issuer: string
  kind: 'hs'
  /** The shared HMAC key. */
  key: string
  /** The required `aud`. Default: the internal audience (PROXY_URL + "/"). */
  audience?: string
  /** The claim holding the platform metadata. Default: "metadata". */
  claimsKey?: string
  /** The claim holding the scopes. Default: "scope". */
  scopesKey?: string
}

/** An issuer whose tokens are signed with asymmetric keys published at a JWKS URL (Auth0, Azure AD B2C). */
export interface JwksIssuer {
  issuer: string
  kind: 'jwks'
  jwksUrl: string
  audience: string
  /** Default: "metadata". */
  claimsKey?: string
  /** Default: "scope". */
  scopesKey?: string
}

export type IssuerDefinition = HsIssuer | JwksIssuer

export const HS_ALGORITHMS: Algorithm[] = ['HS256', 'HS384', 'HS512']
/** RFC 7518 §3.2: an HMAC key must be at least as long as the hash output. */
export const HS_MIN_KEY_BYTES: Readonly<Record<string, number>> = { HS256: 32, HS384: 48, HS512: 64 }

/** The HS algorithms `key` is long enough for (RFC 7518 §3.2), by its UTF-8 byte length. */
export function hsAlgorithmsForKey(key: string): Algorithm[] {
  const bytes = Buffer.byteLength(key)
  return HS_ALGORITHMS.filter((alg) => bytes >= (HS_MIN_KEY_BYTES[alg] as number))
}

export const ASYMMETRIC_ALGORITHMS: Algorithm[] = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
]

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

export interface VerifierOptions extends JwksStoreOptions {
  clockToleranceSec: number
  /** Seconds since `iat`; undefined for no limit. */
  maxTokenAge: number | undefined
  cacheSize: number
  /** HS issuers accept only the algorithms their key is long enough for (production). Default: false. */
  hsAlgorithmsByKeyLength?: boolean
}

interface IssuerRuntime {
  readonly definition: IssuerDefinition
  readonly claimsKey: string
  readonly scopesKey: string
  readonly verify: (token: string) => unknown
  readonly jwks: JwksStore | undefined
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
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

function describeError(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code
    const text = typeof code === 'string' ? `${code}: ${error.message}` : error.message
    // fast-jwt wraps what our key callback threw ("Cannot fetch key."): keep the reason for the debug log.
    const inner = (error as { originalError?: unknown }).originalError ?? error.cause
    return inner instanceof Error ? `${text} (${inner.message})` : text
  }
  return String(error)
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

  constructor(definitions: readonly IssuerDefinition[], options: VerifierOptions) {
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
    for (const definition of definitions) {
      const claimsKey = definition.claimsKey ?? 'metadata'
      const scopesKey = definition.scopesKey ?? 'scope'
      if (definition.kind === 'hs') {
        const verify = createVerifier({
          ...common,
          key: definition.key,
          algorithms: options.hsAlgorithmsByKeyLength ? hsAlgorithmsForKey(definition.key) : HS_ALGORITHMS,
          allowedIss: definition.issuer,
          allowedAud: definition.audience ?? '',
        })
        this.issuers.set(definition.issuer, { definition, claimsKey, scopesKey, verify, jwks: undefined })
      } else {
        let store = stores.get(definition.jwksUrl)
        if (store === undefined) {
          store = new JwksStore(definition.jwksUrl, options)
          stores.set(definition.jwksUrl, store)
          this.jwksStores.push(store)
        }
        const jwks = store
        const key = async (decoded: DecodedJwt): Promise<string> => {
          const { kid, alg } = decoded.header
          if (typeof kid !== 'string') throw new Error('token header has no kid')
          // Checked here too (fast-jwt checks after asking for the key), so a forged alg costs no fetch.
          if (!(ASYMMETRIC_ALGORITHMS as unknown[]).includes(alg))
            throw new Error('algorithm not allowed for this issuer')
          const pem = await jwks.getKey(kid, alg as string)
          if (pem === undefined) throw new Error(`no usable key for kid ${kid} (${jwks.url})`)
          return pem
        }
        const verify = createVerifier({
          ...common,
          key,
          algorithms: ASYMMETRIC_ALGORITHMS,
          allowedIss: definition.issuer,
          allowedAud: definition.audience,
        })
        this.issuers.set(definition.issuer, { definition, claimsKey, scopesKey, verify, jwks })
      }
    }
  }

  get issuerNames(): string[] {
    return [...this.issuers.keys()]
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
