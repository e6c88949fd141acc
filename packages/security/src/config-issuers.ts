import type { FbiConfig } from '@fbi/config'
import type { IssuerDefinition } from './issuer-types.js'

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
