import { FBI_CONFIG_INVALID_OPTION } from './errors.js'
import { COMPAT_MODES, type FbiCompat } from './types.js'
import type { GroupName } from './variables.js'

export interface LoadConfigOptions {
  /** Where variables are read from. Default: process.env. */
  env?: Readonly<Record<string, string | undefined>>
  /** Also read a .env file (values in `env` win). `true` reads ./.env. Default: false. */
  dotenv?: boolean | { path?: string }
  /** Internal JWT issuer: HS_KEY, PROXY_URL, system tokens. Default: true, as in the seed. */
  jwt?: boolean
  /** A JWKS token provider (Auth0, Azure AD B2C). Default: false. */
  auth0?: boolean
  /** The custom-database login issuer. Default: false. */
  customAuth0?: boolean
  /** The EPR service adapter issuer. Default: false. */
  epr?: boolean
  /** PostgreSQL connection settings. Default: false. */
  db?: boolean
  /** OpenTelemetry's OTEL_* variables (tracing is on only when an OTLP endpoint is set). Default: true. */
  tracing?: boolean
  /**
   * Answer as the original Flask Batteries Included did where fbi deliberately differs ('flask'),
   * for a service that runs beside Flask services; every battery reads it from `app.config.compat`.
   * Default: false (fbi's own behaviour).
   */
  compat?: FbiCompat | false
}

type GroupOption = 'jwt' | 'auth0' | 'customAuth0' | 'epr' | 'db' | 'tracing'

/** The options with every default filled in: what loadConfig works from. */
export type ResolvedLoadOptions = Readonly<
  Required<Pick<LoadConfigOptions, 'env'>> & {
    /** The .env file to read, or null for none. */
    dotenvPath: string | null
    /** The groups turned on, `general` always among them. */
    groups: ReadonlySet<GroupName>
    compat: FbiCompat | null
  }
>

const GROUP_DEFAULTS: Readonly<Record<GroupOption, boolean>> = Object.freeze({
  jwt: true,
  auth0: false,
  customAuth0: false,
  epr: false,
  db: false,
  tracing: true,
})

/** The one "is a plain object" test of this package: not null, not an array. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function dotenvPath(dotenv: unknown): string | null {
  if (dotenv === undefined || dotenv === false) return null
  if (dotenv === true) return '.env'
  if (isPlainObject(dotenv) && (dotenv.path === undefined || typeof dotenv.path === 'string')) {
    return dotenv.path || '.env'
  }
  throw new FBI_CONFIG_INVALID_OPTION('dotenv', 'must be a boolean or { path?: string }')
}

/** Checks the options and fills in the defaults: the one place each default is written. */
export function resolveLoadOptions(opts: LoadConfigOptions): ResolvedLoadOptions {
  if (!isPlainObject(opts as unknown)) throw new FBI_CONFIG_INVALID_OPTION('options', 'must be an object')
  if (opts.env !== undefined && !isPlainObject(opts.env)) {
    throw new FBI_CONFIG_INVALID_OPTION('env', 'must be an object of strings')
  }
  if (opts.compat !== undefined && opts.compat !== false && !COMPAT_MODES.includes(opts.compat)) {
    throw new FBI_CONFIG_INVALID_OPTION('compat', `must be false or one of: ${COMPAT_MODES.join(', ')}`)
  }
  const groups = new Set<GroupName>(['general'])
  for (const [group, fallback] of Object.entries(GROUP_DEFAULTS) as Array<[GroupOption, boolean]>) {
    const value = opts[group]
    if (value !== undefined && typeof value !== 'boolean') {
      throw new FBI_CONFIG_INVALID_OPTION(group, 'must be a boolean')
    }
    if (value ?? fallback) groups.add(group)
  }
  return Object.freeze({
    env: opts.env ?? process.env,
    dotenvPath: dotenvPath(opts.dotenv),
    groups,
    compat: opts.compat || null,
  })
}
