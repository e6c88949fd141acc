import type { AsymmetricAlgorithm, HsAlgorithm } from './algorithms.js'

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

/** Claims an issuer's tokens may lack (the `claimRequirements` option). Both default to true. */
export interface ClaimRequirements {
  /** false: a token without `aud` is accepted (a present `aud` must still match). */
  requireAudience?: boolean
  /** false: a token without `exp` is accepted (a present `exp` is still checked); never cached. */
  requireExpiry?: boolean
}

interface ResolvedCommon {
  readonly issuer: string
  readonly audience: string
  readonly claimsKey: string
  readonly scopesKey: string
  readonly requireAudience: boolean
  readonly requireExpiry: boolean
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
