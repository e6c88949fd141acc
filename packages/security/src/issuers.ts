import type { FbiConfig } from '@fbi/config'
import { FBI_SECURITY_INVALID_OPTION } from './errors.js'
import type { IssuerDefinition } from './verifier.js'

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
 * Checks every definition and fills the HS audience default. A duplicate `iss` is refused: which
 * key should verify it would be a guess.
 */
export function resolveIssuers(
  definitions: readonly IssuerDefinition[],
  internalAudience: string | undefined,
): IssuerDefinition[] {
  const seen = new Set<string>()
  return definitions.map((definition, index) => {
    const where = `issuers[${index}]`
    if (typeof definition !== 'object' || definition === null) {
      throw new FBI_SECURITY_INVALID_OPTION(where, 'must be an issuer definition object')
    }
    if (!nonEmpty(definition.issuer))
      throw new FBI_SECURITY_INVALID_OPTION(`${where}.issuer`, 'must be a non-empty string')
    if (seen.has(definition.issuer)) {
      throw new FBI_SECURITY_INVALID_OPTION(`${where}.issuer`, `issuer ${definition.issuer} is defined twice`)
    }
    seen.add(definition.issuer)
    for (const key of ['claimsKey', 'scopesKey'] as const) {
      if (definition[key] !== undefined && !nonEmpty(definition[key])) {
        throw new FBI_SECURITY_INVALID_OPTION(`${where}.${key}`, 'must be a non-empty string')
      }
    }
    if (definition.kind === 'hs') {
      if (!nonEmpty(definition.key))
        throw new FBI_SECURITY_INVALID_OPTION(`${where}.key`, 'must be a non-empty string')
      const audience = definition.audience ?? internalAudience
      if (!nonEmpty(audience)) {
        throw new FBI_SECURITY_INVALID_OPTION(
          `${where}.audience`,
          'must be set when there is no internal audience (PROXY_URL) to default to',
        )
      }
      return { ...definition, audience }
    }
    if (definition.kind === 'jwks') {
      if (!nonEmpty(definition.audience)) {
        throw new FBI_SECURITY_INVALID_OPTION(`${where}.audience`, 'must be a non-empty string')
      }
      let url: URL
      try {
        url = new URL(definition.jwksUrl)
      } catch {
        throw new FBI_SECURITY_INVALID_OPTION(`${where}.jwksUrl`, 'must be an absolute http(s) URL')
      }
      if (url.protocol !== 'https:' && url.protocol !== 'http:') {
        throw new FBI_SECURITY_INVALID_OPTION(`${where}.jwksUrl`, 'must be an absolute http(s) URL')
      }
      return { ...definition }
    }
    throw new FBI_SECURITY_INVALID_OPTION(`${where}.kind`, "must be 'hs' or 'jwks'")
  })
}
