/** What a redacted value reads as, in logs and in the /debug echo. */
export const REDACTED = '[REDACTED]'

// Header names whose values are credentials, whatever their prefix: Authorization and
// Proxy-Authorization, Cookie and Set-Cookie, and what gateways inject (X-Api-Key,
// X-Amzn-Oidc-Accesstoken, X-Amzn-Oidc-Data, X-Forwarded-Access-Token, X-Amz-Security-Token,
// X-Goog-Iap-Jwt-Assertion, session and CSRF tokens, signatures).
const SECRET_HEADER =
  /auth|cookie|token|secret|passw|api-?key|session|credential|oidc|jwt|assertion|signature|csrf|xsrf/i

/** True when a header's value must never be logged or echoed. One pattern for the log and /debug. */
export function isSecretHeader(name: string): boolean {
  return SECRET_HEADER.test(name)
}
