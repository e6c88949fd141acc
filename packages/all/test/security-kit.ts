import { type HsTokenOptions, mintHsToken } from '@fbi/security/testing'
import { HS_KEY, PROXY_URL } from './helpers.js'

/*
 * What the @fbi/security tests of the whole stack share: the internal issuer of ./helpers.ts's
 * environment, its tokens, and the answers the security plugin gives.
 */

/** The internal issuer and audience: PROXY_URL + "/". */
export const INTERNAL = `${PROXY_URL}/`

/** A valid internal-issuer token; override anything. */
export function internalToken(overrides: Partial<HsTokenOptions> = {}): string {
  return mintHsToken({ key: HS_KEY, issuer: INTERNAL, audience: INTERNAL, ...overrides })
}

export function bearer(token: string): { authorization: string } {
  return { authorization: `Bearer ${token}` }
}

/** The auth0 variables that point @fbi/config's provider issuer at a test JWKS server. */
export function auth0Env(
  provider: { url: string; jwksUrl: string },
  audience: string,
  metadataKey: string,
): Record<string, string> {
  return {
    AUTH0_AUDIENCE: audience,
    AUTH0_DOMAIN: provider.url,
    AUTH0_JWKS_URL: provider.jwksUrl,
    AUTH0_METADATA: metadataKey,
  }
}

export const UNAUTHORIZED = { code: 401, message: 'Unauthorized' }
export const FORBIDDEN = { code: 403, message: 'Forbidden' }
export const INVALID_TOKEN = 'Bearer error="invalid_token"'
