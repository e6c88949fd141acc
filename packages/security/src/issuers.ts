import { ASYMMETRIC_ALGORITHMS, HS_ALGORITHMS, type HsAlgorithm, hsAlgorithmsForKey } from './algorithms.js'
import { FBI_SECURITY_INVALID_OPTION, FBI_SECURITY_WEAK_HS_KEY } from './errors.js'
import type { ClaimRequirements, IssuerDefinition, ResolvedIssuer } from './issuer-types.js'

/** What the issuer checks need from the plugin. */
export interface IssuerContext {
  /** PROXY_URL + "/", the default audience of HS issuers; undefined without the jwt group. */
  readonly internalAudience: string | undefined
  readonly isProduction: boolean
  /** compat: 'flask': short HS keys are accepted for every algorithm, in production too. */
  readonly compat: boolean
  readonly claimRequirements: Readonly<Record<string, ClaimRequirements>>
  readonly warn: (details: Record<string, unknown>, message: string) => void
}

function nonEmpty(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0
}

/**
 * The HS key policy, in one place. RFC 7518 §3.2 asks for an HMAC key at least as long as the hash.
 * Production refuses a key too short for every HS algorithm and verifies with the others only the
 * algorithms the key fits. Outside production, and with compat 'flask' (a platform signing HS512
 * system tokens with a short key must keep working), a short key is accepted for every algorithm.
 * Always with a warning naming the issuer.
 */
function hsAlgorithms(issuer: string, key: string, context: IssuerContext): readonly HsAlgorithm[] {
  const fit = hsAlgorithmsForKey(key)
  if (fit.length === HS_ALGORITHMS.length) return HS_ALGORITHMS
  const keyBytes = Buffer.byteLength(key)
  const strict = context.isProduction && !context.compat
  if (strict && fit.length === 0) throw new FBI_SECURITY_WEAK_HS_KEY(issuer, keyBytes)
  const tooShortFor = HS_ALGORITHMS.filter((alg) => !fit.includes(alg))
  const short = `HS key too short for ${tooShortFor.join(', ')} (RFC 7518 §3.2)`
  context.warn(
    { issuer, keyBytes, tooShortFor },
    strict
      ? `${short}: tokens signed with them are refused`
      : context.isProduction
        ? `${short}: accepted because compat is 'flask'`
        : `${short}: accepted outside production only`,
  )
  return strict ? Object.freeze(fit) : HS_ALGORITHMS
}

const LOOPBACK = /^(?:localhost|127(?:\.\d{1,3}){3}|\[::1\])$/

/** An absolute http(s) URL; in production https, or http on loopback only (a local test provider). */
function checkJwksUrl(where: string, value: unknown, isProduction: boolean): string {
  let url: URL
  try {
    url = new URL(value as string)
  } catch {
    throw new FBI_SECURITY_INVALID_OPTION(`${where}.jwksUrl`, 'must be an absolute http(s) URL')
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new FBI_SECURITY_INVALID_OPTION(`${where}.jwksUrl`, 'must be an absolute http(s) URL')
  }
  if (isProduction && url.protocol === 'http:' && !LOOPBACK.test(url.hostname)) {
    throw new FBI_SECURITY_INVALID_OPTION(
      `${where}.jwksUrl`,
      'must be https in production (plain http only on loopback): keys fetched over http can be replaced in transit',
    )
  }
  return value as string
}

/** The claim requirements of `issuer`, each relaxation warned about. */
function requirements(
  issuer: string,
  context: IssuerContext,
): { requireAudience: boolean; requireExpiry: boolean } {
  const given = context.claimRequirements[issuer] ?? {}
  const requireAudience = given.requireAudience ?? true
  const requireExpiry = given.requireExpiry ?? true
  const relaxed = [...(requireAudience ? [] : ['aud']), ...(requireExpiry ? [] : ['exp'])]
  if (relaxed.length > 0) {
    context.warn(
      { issuer, notRequired: relaxed },
      `Issuer ${issuer}: tokens without ${relaxed.join(' or ')} are ACCEPTED (claimRequirements); a token without exp never expires`,
    )
  }
  return { requireAudience, requireExpiry }
}

/**
 * Checks every definition, fills the defaults and decides each issuer's algorithms. A duplicate
 * `iss` is refused: which key should verify it would be a guess.
 */
export function resolveIssuers(
  definitions: readonly IssuerDefinition[],
  context: IssuerContext,
): ResolvedIssuer[] {
  const known = new Set(definitions.map((definition) => definition?.issuer))
  for (const issuer of Object.keys(context.claimRequirements)) {
    if (!known.has(issuer)) {
      throw new FBI_SECURITY_INVALID_OPTION(
        'claimRequirements',
        `names issuer ${issuer}, which is not trusted`,
      )
    }
  }
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
      const required = requirements(issuer, context)
      return {
        kind: 'hs',
        issuer,
        key: definition.key,
        audience,
        claimsKey,
        scopesKey,
        algorithms,
        ...required,
      }
    }
    if (definition.kind === 'jwks') {
      if (!nonEmpty(definition.audience)) {
        throw new FBI_SECURITY_INVALID_OPTION(`${where}.audience`, 'must be a non-empty string')
      }
      const jwksUrl = checkJwksUrl(where, definition.jwksUrl, context.isProduction)
      const { audience } = definition
      const algorithms = ASYMMETRIC_ALGORITHMS
      const required = requirements(issuer, context)
      return { kind: 'jwks', issuer, jwksUrl, audience, claimsKey, scopesKey, algorithms, ...required }
    }
    throw new FBI_SECURITY_INVALID_OPTION(`${where}.kind`, "must be 'hs' or 'jwks'")
  })
}
