import { mintHsToken } from '@fbi/security/testing'

export const HS_KEY = 'all-battery-test-key-0123456789abcdef'
export const PROXY_URL = 'http://localhost'
export const ENV = { ENVIRONMENT: 'DEVELOPMENT', HS_KEY, PROXY_URL } as const

/** A token of the internal issuer with the given scopes and metadata. */
export function token(scope: string[], metadata: Record<string, unknown> = {}): string {
  return mintHsToken({ key: HS_KEY, issuer: `${PROXY_URL}/`, audience: `${PROXY_URL}/`, scope, metadata })
}

/** The database variables for the real PostgreSQL when CI gives one; empty for the embedded one. */
export function databaseEnv(): Record<string, string> {
  const url = process.env.FBI_TEST_DATABASE_URL
  return url ? { DATABASE_URL: url } : {}
}
