import { integerOption, invalid, isPlainObject, stringOption } from './option-checks.js'

/** Where and how the admin routes (/metrics, /version, /debug, and @fbi/schema's /docs) are served. */
export interface FbiAdminOptions {
  /**
   * Serve the admin routes only on this port, on a second listener of the same app started when it
   * is ready and closed with it (0 picks a free port: `app.adminServer.address()`). Default: ADMIN_PORT,
   * else none (the service's port).
   */
  port?: number
  /** The address the admin listener binds. Default: LISTEN_ADDRESS (the service's own). */
  host?: string
  /**
   * Ask for `Authorization: Bearer <token>` on the admin routes (a scraper's static token), compared
   * in constant time; at least 32 characters. Default: ADMIN_TOKEN, else none.
   */
  token?: string
}

export interface ResolvedAdminOptions {
  readonly port: number | undefined
  readonly host: string
  readonly token: string | undefined
}

/** What the admin options read from `app.config` (@fbi/config). */
export interface AdminConfigView {
  adminPort?: number
  adminToken?: string
  listenAddress?: string
}

/** A guessable token guards nothing: 32 characters is 16 random bytes in hex. */
export const MIN_ADMIN_TOKEN_LENGTH = 32

/** Checks the `admin` option and fills it in from ADMIN_PORT, ADMIN_TOKEN and LISTEN_ADDRESS. */
export function adminOptions(value: unknown, config: AdminConfigView): ResolvedAdminOptions {
  if (value !== undefined && !isPlainObject(value)) invalid('admin', 'must be { port?, host?, token? }')
  const given = value ?? {}
  const port = integerOption('admin.port', given.port, config.adminPort ?? -1, 0)
  if (port > 65_535) invalid('admin.port', 'must be an integer from 0 to 65535')
  const token = stringOption('admin.token', given.token) ?? config.adminToken
  if (token !== undefined && token.length < MIN_ADMIN_TOKEN_LENGTH) {
    invalid('admin.token', `must be at least ${MIN_ADMIN_TOKEN_LENGTH} characters (ADMIN_TOKEN)`)
  }
  return Object.freeze({
    port: port === -1 ? undefined : port,
    host: stringOption('admin.host', given.host) ?? config.listenAddress ?? '0.0.0.0',
    token,
  })
}
