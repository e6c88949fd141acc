import type { FbiConfig } from '@fbi/config'
import {
  ASYMMETRIC_ALGORITHMS,
  type AsymmetricAlgorithm,
  HS_ALGORITHMS,
  type HsAlgorithm,
  hsAlgorithmsForKey,
} from './algorithms.js'
import { FBI_SECURITY_INVALID_OPTION, FBI_SECURITY_WEAK_HS_KEY } from './errors.js'

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

interface ResolvedCommon {
  readonly issuer: string
  readonly audience: string
  readonly claimsKey: string
  readonly scopesKey: string
}

/** An HS issuer checked, with its defaults filled and the algorithms its key may verify. */
export interface ResolvedHsIssuer extends ResolvedCommon {
  readonly kind: 'hs'
  readonly key: string
  readonly algorithms: readonly HsAlgorithm[]
}

export interface ResolvedJwksIssuer extends ResolvedCommon {
  readonly kind: 'jwks'
  readonly jwksUrl: string
  readonly algorithms: readonly AsymmetricAlgorithm[]
}

export type ResolvedIssuer = ResolvedHsIssuer | ResolvedJwksIssuer

/** What the issuer checks need from the plugin. */
export interface IssuerContext {
  /** PROXY_URL + "/", the default audience of HS issuers; undefined without the jwt group. */
  readonly internalAudience: string | undefined
  readonly isProduction: boolean
  readonly warn: (details: Record<string, unknown>, message: string) => void
}

function nonEmpty(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0
}

/** The issuers the configuration turns on, in the seed's order of precedence. */
export function issuersFromConfig(config: FbiConfig): IssuerDefinition[] {
  const issuers: IssuerDefinition[] = []
  const internalAudience = config.jwt?.internalIssuer
  if (config.auth0) {
    issuers.push({
      issuer: config.auth0.domain,
      kind: 'jwks',
      jwksUrl: config.auth0.jwksUrl,
      audience: config.auth0.audience,
      claimsKey: config.auth0.metadataKey,
      scopesKey: config.auth0.scopeKey,
    })
  }
  if (config.jwt) {
    issuers.push({
      issuer: config.jwt.internalIssuer,
      kind: 'hs',
      key: config.jwt.hsKey,
      audience: config.jwt.internalIssuer,
    })
  }
  if (config.customAuth0) {
    issuers.push({
      issuer: config.customAuth0.domain,
      kind: 'hs',
      key: config.customAuth0.hsKey,
      ...(internalAudience ? { audience: internalAudience } : {}),
    })
  }
  if (config.epr) {
    issuers.push({
      issuer: config.epr.issuer,
      kind: 'hs',
      key: config.epr.hsKey,
      ...(internalAudience ? { audience: internalAudience } : {}),
    })
  }
  return issuers
}

/**
 * The HS key policy, in one place. RFC 7518 §3.2 asks for an HMAC key at least as long as the hash.
 * Production refuses a key too short for every HS algorithm and verifies with the others only the
 * algorithms the key fits; elsewhere a short key is accepted with a warning, so development keeps
 * working.
 */
function hsAlgorithms(issuer: string, key: string, context: IssuerContext): readonly HsAlgorithm[] {
  const fit = hsAlgorithmsForKey(key)
  if (fit.length === HS_ALGORITHMS.length) return HS_ALGORITHMS
  const keyBytes = Buffer.byteLength(key)
  const { isProduction } = context
  if (isProduction && fit.length === 0) throw new FBI_SECURITY_WEAK_HS_KEY(issuer, keyBytes)
  const tooShortFor = HS_ALGORITHMS.filter((alg) => !fit.includes(alg))
  context.warn(
    { issuer, keyBytes, tooShortFor },
    isProduction
      ? `HS key too short for ${tooShortFor.join(', ')} (RFC 7518 §3.2): tokens signed with them are refused`
      : `HS key too short for ${tooShortFor.join(', ')} (RFC 7518 §3.2): accepted outside production only`,
  )
  return isProduction ? Object.freeze(fit) : HS_ALGORITHMS
}

function checkJwksUrl(where: string, value: unknown): string {
  let url: URL
  try {
    url = new URL(value as string)
  } catch {
    throw new FBI_SECURITY_INVALID_OPTION(`${where}.jwksUrl`, 'must be an absolute http(s) URL')
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new FBI_SECURITY_INVALID_OPTION(`${where}.jwksUrl`, 'must be an absolute http(s) URL')
  }
  return value as string
}

/**
 * Checks every definition, fills the defaults and decides each issuer's algorithms. A duplicate
 * `iss` is refused: which key should verify it would be a guess.
 */
export function resolveIssuers(
  definitions: readonly IssuerDefinition[],
  context: IssuerContext,
): ResolvedIssuer[] {
  const seen = new Set<string>()
  return definitions.map((definition, index): ResolvedIssuer => {
    const where = `issuers[${index}]`
    if (typeof definition !== 'object' || definition === null) {
      throw new FBI_SECURITY_INVALID_OPTION(where, 'must be an issuer definition object')
    }
    const { issuer } = definition
    if (!nonEmpty(issuer))
      throw new FBI_SECURITY_INVALID_OPTION(`${where}.issuer`, 'must be a non-empty string')
    if (seen.has(issuer)) {
      throw new FBI_SECURITY_INVALID_OPTION(`${where}.issuer`, `issuer ${issuer} is defined twice`)
    }
    seen.add(issuer)
    for (const key of ['claimsKey', 'scopesKey'] as const) {
      if (definition[key] !== undefined && !nonEmpty(definition[key])) {
        throw new FBI_SECURITY_INVALID_OPTION(`${where}.${key}`, 'must be a non-empty string')
      }
    }
    const claimsKey = definition.claimsKey ?? 'metadata'
    const scopesKey = definition.scopesKey ?? 'scope'
    if (definition.kind === 'hs') {
      if (!nonEmpty(definition.key))
        throw new FBI_SECURITY_INVALID_OPTION(`${where}.key`, 'must be a non-empty string')
      const audience = definition.audience ?? context.internalAudience
      if (!nonEmpty(audience)) {
        throw new FBI_SECURITY_INVALID_OPTION(
          `${where}.audience`,
          'must be set when there is no internal audience (PROXY_URL) to default to',
        )
      }
      const algorithms = hsAlgorithms(issuer, definition.key, context)
      return { kind: 'hs', issuer, key: definition.key, audience, claimsKey, scopesKey, algorithms }
    }
    if (definition.kind === 'jwks') {
      if (!nonEmpty(definition.audience)) {
        throw new FBI_SECURITY_INVALID_OPTION(`${where}.audience`, 'must be a non-empty string')
      }
      const jwksUrl = checkJwksUrl(where, definition.jwksUrl)
      const { audience } = definition
      return {
        kind: 'jwks',
        issuer,
        jwksUrl,
        audience,
        claimsKey,
        scopesKey,
        algorithms: ASYMMETRIC_ALGORITHMS,
      }
    }
    throw new FBI_SECURITY_INVALID_OPTION(`${where}.kind`, "must be 'hs' or 'jwks'")
  })
}
