/** A minimal valid environment for the default groups (general + jwt). */
export const JWT_ENV = { HS_KEY: 'secret-key', PROXY_URL: 'http://localhost' } as const

export const AUTH0_ENV = {
  AUTH0_AUDIENCE: 'https://api.example.com/',
  AUTH0_DOMAIN: 'https://tenant.eu.auth0.com/',
  AUTH0_METADATA: 'https://example.com/metadata',
} as const

/** Runs fn, which must throw, and returns what it threw (a test fails when nothing is thrown). */
export function catchError(fn: () => unknown): Error & { code?: string; problems?: unknown } {
  try {
    fn()
  } catch (error) {
    return error as Error
  }
  throw new TypeError('expected the call to throw, and it returned')
}
