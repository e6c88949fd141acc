import { isProduction as environmentIsProduction, type FbiConfig } from '@fbi/config'
import { FBI_SECURITY_INVALID_OPTION } from './errors.js'
import { isRecord } from './is-record.js'
import type { ClaimRequirements, IssuerDefinition } from './issuer-types.js'
import { ROUTE_PATTERN } from './public-routes.js'

export interface FbiSecurityOptions {
  /** Extra issuers, verified besides the ones the configuration turns on. Default: []. */
  issuers?: readonly IssuerDefinition[]
  /** Also trust the issuers from `app.config` (jwt, auth0, customAuth0, epr groups). Default: true. */
  configIssuers?: boolean
  /** Leeway for `exp` and `nbf`, in seconds. Default: 0 (as the seed). */
  clockToleranceSec?: number
  /** Refuse tokens whose `iat` is older than this many seconds (then `iat` is required). Default: undefined (no limit). */
  maxTokenAge?: number
  /** How many verified tokens to remember (LRU, never past `exp`); 0 turns the cache off. Default: 10000. */
  cacheSize?: number
  /** How long a fetched JWKS is fresh before it is refreshed in the background. Default: 600000 (10 min). */
  jwksCacheTtlMs?: number
  /** Deadline of one JWKS fetch. Default: 5000. */
  jwksFetchTimeoutMs?: number
  /** Minimum time between two JWKS fetches, so unknown kids cannot hammer the provider. Default: 10000. */
  jwksCooldownMs?: number
  /**
   * Fail startup when a route is not protected: no `config.protect`, not a route @fbi/monitoring or
   * @fbi/schema announced, not named in `publicRoutes`, or registered before this plugin where it
   * cannot be verified. Default: false.
   */
  requireProtection?: boolean
  /**
   * Routes served without a token on purpose that cannot carry `protect: publicRoute` (added by
   * other plugins): `'/path'` or `'METHOD /path'`, a trailing `*` for a prefix. The batteries' own
   * routes need no entry: they announce themselves. Default: [].
   */
  publicRoutes?: readonly string[]
  /**
   * Per issuer (`iss`), claims its tokens may lack: `{ requireAudience: false }` accepts tokens
   * without `aud`, `{ requireExpiry: false }` without `exp` (as Flask Batteries Included did); a
   * present claim is still checked. Each one is warned about at startup. Default: {} (both required).
   */
  claimRequirements?: Readonly<Record<string, ClaimRequirements>>
  /** 'flask' answers as Flask Batteries Included did (see the README). Default: app.config.compat. */
  compat?: 'flask' | false
  /** Overrides `app.config.environment` (ENVIRONMENT). Default: from config. */
  environment?: string
  /** Overrides IGNORE_JWT_VALIDATION; disregarded in production. Default: from config (false). */
  ignoreJwtValidation?: boolean
  /** Overrides the system-token service base URL. Default: SYSTEM_AUTH_URL_SCHEME://SYSTEM_AUTH_HOST:SYSTEM_AUTH_PORT. */
  systemAuthUrl?: string
  /** Deadline of one system-token request. Default: 5000. */
  systemJwtTimeoutMs?: number
}

/** Every default, written once. */
const DEFAULTS = {
  issuers: [],
  configIssuers: true,
  clockToleranceSec: 0,
  cacheSize: 10_000,
  jwksCacheTtlMs: 600_000,
  jwksFetchTimeoutMs: 5_000,
  jwksCooldownMs: 10_000,
  requireProtection: false,
  publicRoutes: [],
  claimRequirements: {},
  systemJwtTimeoutMs: 5_000,
} as const satisfies { [K in keyof FbiSecurityOptions]?: FbiSecurityOptions[K] }

/** The options with their defaults applied, plus what is derived from them and `app.config`. */
export type ResolvedSecurityOptions = Required<Pick<FbiSecurityOptions, keyof typeof DEFAULTS>> &
  Pick<FbiSecurityOptions, 'maxTokenAge'> & {
    /** Answering as Flask Batteries Included did (`compat: 'flask'`, here or in @fbi/config). */
    readonly compat: boolean
    /** ENVIRONMENT, or the `environment` option. */
    readonly environment: string
    readonly isProduction: boolean
    /** IGNORE_JWT_VALIDATION in effect (never in production). */
    readonly ignoreValidation: boolean
    readonly systemAuthUrl: string
  }

type Rule =
  | 'a boolean'
  | 'a list'
  | 'a non-empty string'
  | 'a non-negative number'
  | 'a non-negative integer'
  | 'a positive integer'
  | "a list of routes ('/path' or 'METHOD /path')"
  | 'an object of { [iss]: { requireAudience?: boolean, requireExpiry?: boolean } }'
  | "'flask' or false"

function isClaimRequirements(value: unknown): boolean {
  return (
    isRecord(value) &&
    Object.values(value).every(
      (entry) =>
        isRecord(entry) &&
        Object.entries(entry).every(
          ([key, flag]) =>
            (key === 'requireAudience' || key === 'requireExpiry') && typeof flag === 'boolean',
        ),
    )
  )
}

function satisfies(value: unknown, rule: Rule): boolean {
  switch (rule) {
    case 'a boolean':
      return typeof value === 'boolean'
    case 'a list':
      return Array.isArray(value)
    case 'a non-empty string':
      return typeof value === 'string' && value.length > 0
    case 'a non-negative number':
      return typeof value === 'number' && Number.isFinite(value) && value >= 0
    case 'a non-negative integer':
      return Number.isSafeInteger(value) && (value as number) >= 0
    case 'a positive integer':
      return Number.isSafeInteger(value) && (value as number) > 0
    case "a list of routes ('/path' or 'METHOD /path')":
      return (
        Array.isArray(value) && value.every((item) => typeof item === 'string' && ROUTE_PATTERN.test(item))
      )
    case 'an object of { [iss]: { requireAudience?: boolean, requireExpiry?: boolean } }':
      return isClaimRequirements(value)
    case "'flask' or false":
      return value === 'flask' || value === false
  }
}

const RULES: { readonly [K in keyof FbiSecurityOptions]-?: Rule } = {
  issuers: 'a list',
  configIssuers: 'a boolean',
  clockToleranceSec: 'a non-negative number',
  maxTokenAge: 'a non-negative number',
  cacheSize: 'a non-negative integer',
  jwksCacheTtlMs: 'a non-negative integer',
  jwksFetchTimeoutMs: 'a positive integer',
  jwksCooldownMs: 'a non-negative integer',
  requireProtection: 'a boolean',
  publicRoutes: "a list of routes ('/path' or 'METHOD /path')",
  claimRequirements: 'an object of { [iss]: { requireAudience?: boolean, requireExpiry?: boolean } }',
  compat: "'flask' or false",
  environment: 'a non-empty string',
  ignoreJwtValidation: 'a boolean',
  systemAuthUrl: 'a non-empty string',
  systemJwtTimeoutMs: 'a positive integer',
}

/** Checks every given option against its rule (undefined means "the default"), then applies the defaults. */
export function resolveOptions(
  opts: FbiSecurityOptions,
  config: FbiConfig,
  warn: (message: string) => void,
): ResolvedSecurityOptions {
  for (const name of Object.keys(RULES) as (keyof FbiSecurityOptions)[]) {
    const value = opts[name]
    const rule = RULES[name]
    if (value !== undefined && !satisfies(value, rule)) {
      throw new FBI_SECURITY_INVALID_OPTION(name, `must be ${rule}`)
    }
  }
  const environment = opts.environment ?? config.environment
  const isProduction =
    opts.environment === undefined ? config.isProduction : environmentIsProduction(environment)
  const ignoreRequested = opts.ignoreJwtValidation ?? config.jwt?.ignoreJwtValidation ?? false
  if (ignoreRequested && isProduction) {
    // As the seed: routes of a production service always verify, whatever the switch says.
    warn('IGNORE_JWT_VALIDATION is disregarded in production: every token is verified')
  }
  const jwt = config.jwt
  const systemAuthUrl =
    opts.systemAuthUrl ??
    (jwt
      ? `${jwt.systemAuthUrlScheme}://${jwt.systemAuthHost}:${jwt.systemAuthPort}`
      : 'http://localhost:7000')
  return {
    issuers: opts.issuers ?? DEFAULTS.issuers,
    configIssuers: opts.configIssuers ?? DEFAULTS.configIssuers,
    clockToleranceSec: opts.clockToleranceSec ?? DEFAULTS.clockToleranceSec,
    maxTokenAge: opts.maxTokenAge,
    cacheSize: opts.cacheSize ?? DEFAULTS.cacheSize,
    jwksCacheTtlMs: opts.jwksCacheTtlMs ?? DEFAULTS.jwksCacheTtlMs,
    jwksFetchTimeoutMs: opts.jwksFetchTimeoutMs ?? DEFAULTS.jwksFetchTimeoutMs,
    jwksCooldownMs: opts.jwksCooldownMs ?? DEFAULTS.jwksCooldownMs,
    requireProtection: opts.requireProtection ?? DEFAULTS.requireProtection,
    publicRoutes: opts.publicRoutes ?? DEFAULTS.publicRoutes,
    claimRequirements: opts.claimRequirements ?? DEFAULTS.claimRequirements,
    compat: (opts.compat ?? config.compat ?? false) === 'flask',
    systemJwtTimeoutMs: opts.systemJwtTimeoutMs ?? DEFAULTS.systemJwtTimeoutMs,
    environment,
    isProduction,
    ignoreValidation: ignoreRequested && !isProduction,
    systemAuthUrl,
  }
}
