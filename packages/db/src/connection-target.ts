import type { ClientConfig } from 'pg'

const MASK = '****'

function maskedUrl(connectionString: string): string {
  let url: URL
  try {
    url = new URL(connectionString)
  } catch {
    // Never echo what we cannot take apart: it may hold a password anywhere.
    return '(a connection string that is not a URL)'
  }
  if (url.password !== '') url.password = MASK
  if (url.searchParams.has('password')) url.searchParams.set('password', MASK)
  return url.toString()
}

/**
 * Where a connection goes, for the log: a postgres:// URL with any password replaced by ****. Parts
 * that are not set are left out, as in a URL (libpq's defaults then apply).
 */
export function connectionTarget(config: ClientConfig): string {
  if (config.connectionString !== undefined) return maskedUrl(config.connectionString)
  const { user, password, host, port, database } = config
  const userInfo =
    user === undefined ? '' : `${encodeURIComponent(user)}${password === undefined ? '' : `:${MASK}`}@`
  return `postgres://${userInfo}${host === undefined ? '' : encodeURIComponent(host)}${port === undefined ? '' : `:${port}`}/${database === undefined ? '' : encodeURIComponent(database)}`
}
