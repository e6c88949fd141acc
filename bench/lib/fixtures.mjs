// What every server and the runner agree on: the route, the body, the issuers and their keys.
// Nothing here reaches beyond 127.0.0.1: the issuer names are never contacted (.invalid and the
// proxy URL are only compared as strings), the JWKS is served by the runner on loopback.

/** The route every server answers; `:patient_id` is matched against the token's claim. */
export const ROUTE = '/dhos/v1/patient/:patient_id'
/** fbi's unprotected twin of ROUTE, for case (2). */
export const OPEN_ROUTE = '/dhos/v1/open/:patient_id'
export const PATIENT_ID = 'c2f5a8e1-7d3b-4f6a-9e0c-1b2d3e4f5a6b'
export const OTHER_PATIENT_ID = 'other-patient'
export const SCOPE = 'read:patient'

/** The body every server sends for ROUTE and OPEN_ROUTE (same key order, so the same bytes). */
export function body(patientId) {
  return { hello: 'world', patient_id: patientId }
}

// The internal issuer, as the seed's internal tokens: HS256, iss = aud = PROXY_URL + "/",
// scopes (space-separated) under `scope`, platform claims under `metadata`.
export const HS_KEY = 'fbi-bench-internal-hs-key-0123456789abcdef'
export const PROXY_URL = 'http://localhost'
export const INTERNAL_ISSUER = `${PROXY_URL}/`

// The JWKS provider (an Auth0-like tenant): RS256, claims under AUTH0_METADATA and scopes under the
// scope key @fbi/config derives from it (the part before its last "/" + "/scope").
export const AUTH0_DOMAIN = 'https://bench-tenant.invalid/'
export const AUTH0_AUDIENCE = 'https://api.bench.invalid/'
export const AUTH0_METADATA = 'https://bench.invalid/metadata'
export const AUTH0_SCOPE_KEY = 'https://bench.invalid/scope'
export const JWKS_PATH = '/.well-known/jwks.json'

/** The environment the fbi servers get (no process.env: the config plugin reads only this). */
export function fbiEnv(jwksUrl) {
  return {
    ENVIRONMENT: 'PRODUCTION',
    HS_KEY,
    PROXY_URL,
    AUTH0_DOMAIN,
    AUTH0_AUDIENCE,
    AUTH0_METADATA,
    AUTH0_JWKS_URL: jwksUrl,
  }
}
