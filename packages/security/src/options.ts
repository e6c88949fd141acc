import { isProduction as environmentIsProduction, type FbiConfig } from '@fbi/config'
import { FBI_SECURITY_INVALID_OPTION } from './errors.js'
import type { IssuerDefinition } from './issuers.js'

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
  /** Fail startup when a route (other than monitoring routes) has no `config.protect`. Default: false. */
  requireProtection?: boolean
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
  systemJwtTimeoutMs: 5_000,
} as const satisfies { [K in keyof FbiSecurityOptions]?: FbiSecurityOptions[K] }

/** The options with their defaults applied, plus what is derived from them and `app.config`. */
export type ResolvedSecurityOptions = Required<Pick<FbiSecurityOptions, keyof typeof DEFAULTS>> &
  Pick<FbiSecurityOptions, 'maxTokenAge'> & {
    /** ENVIRONMENT, or the `environment` option. */
    readonly environment: string
    readonly isProduction: boolean
    /** IGNORE_JWT_VALIDATION in effect (never in production). */
    readonly ignoreValidation: boolean
    readonly systemAuthUrl: string
  }

type Rule =
  | 'boolean'
  | 'list'
  | 'non-empty string'
  | 'non-negative number'
  | 'non-negative integer'
  | 'positive integer'

function satisfies(value: unknown, rule: Rule): boolean {
  switch (rule) {
    case 'boolean':
      return typeof value === 'boolean'
    case 'list':
      return Array.isArray(value)
    case 'non-empty string':
      return typeof value === 'string' && value.length > 0
    case 'non-negative number':
      return typeof value === 'number' && Number.isFinite(value) && value >= 0
    case 'non-negative integer':
      return Number.isSafeInteger(value) && (value as number) >= 0
    case 'positive integer':
      return Number.isSafeInteger(value) && (value as number) > 0
  }
}

const RULES: { readonly [K in keyof FbiSecurityOptions]-?: Rule } = {
  issuers: 'list',
  configIssuers: 'boolean',
  clockToleranceSec: 'non-negative number',
  maxTokenAge: 'non-negative number',
  cacheSize: 'non-negative integer',
  jwksCacheTtlMs: 'non-negative integer',
  jwksFetchTimeoutMs: 'positive integer',
  jwksCooldownMs: 'non-negative integer',
  requireProtection: 'boolean',
  environment: 'non-empty string',
  ignoreJwtValidation: 'boolean',
  systemAuthUrl: 'non-empty string',
  systemJwtTimeoutMs: 'positive integer',
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
      throw new FBI_SECURITY_INVALID_OPTION(name, `must be a ${rule}`)
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
    systemJwtTimeoutMs: opts.systemJwtTimeoutMs ?? DEFAULTS.systemJwtTimeoutMs,
    environment,
    isProduction,
    ignoreValidation: ignoreRequested && !isProduction,
    systemAuthUrl,
  }
}
