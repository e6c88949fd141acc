import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { parseEnv } from 'node:util'
import envSchema from 'env-schema'
import { buildEnvSchema, parseBoolean } from './env-schema.js'
import { isProduction } from './environment.js'
import { FBI_CONFIG_INVALID, FBI_CONFIG_INVALID_OPTION } from './errors.js'
import { type ConfigProblem, formatProblems, problemsFromAjv } from './problems.js'
import {
  type Auth0Config,
  COMPAT_MODES,
  type DbConfig,
  type FbiCompat,
  type FbiConfig,
  type GeneralConfig,
  type JwtConfig,
} from './types.js'
import { type GroupName, VARIABLES, type VariableSpec } from './variables.js'

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
  /**
   * Answer as the original Flask Batteries Included did where fbi deliberately differs ('flask'),
   * for a service that runs beside Flask services; every battery reads it from `app.config.compat`.
   * Default: false (fbi's own behaviour).
   */
  compat?: FbiCompat | false
}

/** The config type for a given set of options: a group turned on is known to be present. */
export type ConfigFor<O extends LoadConfigOptions> = FbiConfig &
  (O['jwt'] extends false ? unknown : { readonly jwt: JwtConfig }) &
  (O['auth0'] extends true ? { readonly auth0: Auth0Config } : unknown) &
  (O['customAuth0'] extends true
    ? { readonly customAuth0: NonNullable<FbiConfig['customAuth0']> }
    : unknown) &
  (O['epr'] extends true ? { readonly epr: NonNullable<FbiConfig['epr']> } : unknown) &
  (O['db'] extends true ? { readonly db: DbConfig } : unknown)

const GROUP_OPTIONS = ['jwt', 'auth0', 'customAuth0', 'epr', 'db'] as const
type Values = Record<string, string | number | undefined>

function checkOptions(opts: LoadConfigOptions): Set<GroupName> {
  if (opts.env !== undefined && (typeof opts.env !== 'object' || opts.env === null)) {
    throw new FBI_CONFIG_INVALID_OPTION('env', 'must be an object of strings')
  }
  if (opts.compat !== undefined && opts.compat !== false && !COMPAT_MODES.includes(opts.compat)) {
    throw new FBI_CONFIG_INVALID_OPTION('compat', `must be false or one of: ${COMPAT_MODES.join(', ')}`)
  }
  const groups = new Set<GroupName>(['general'])
  for (const group of GROUP_OPTIONS) {
    const value = opts[group]
    if (value !== undefined && typeof value !== 'boolean') {
      throw new FBI_CONFIG_INVALID_OPTION(group, 'must be a boolean')
    }
    if (value ?? group === 'jwt') groups.add(group)
  }
  return groups
}

/**
 * The .env file's variables, or none when the file does not exist. Read here rather than by
 * env-schema's own `dotenv` so the production guards, which look at the raw input, see them too.
 */
function readDotenv(dotenv: LoadConfigOptions['dotenv']): Record<string, string | undefined> {
  if (!dotenv) return {}
  const path = resolve(typeof dotenv === 'object' && dotenv.path ? dotenv.path : '.env')
  try {
    return parseEnv(readFileSync(path, 'utf8'))
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ENOENT') return {}
    throw error
  }
}

// Empty strings count as unset: container tooling often exports `VAR=` for "no value". A value in
// `env` wins over the .env file.
function selectInput(
  env: Readonly<Record<string, string | undefined>>,
  file: Readonly<Record<string, string | undefined>>,
  specs: readonly VariableSpec[],
) {
  const input: Record<string, string> = {}
  for (const spec of specs) {
    const value = env[spec.name] || file[spec.name]
    if (typeof value === 'string' && value !== '') input[spec.name] = value
  }
  return input
}

function deriveScopeKey(metadataKey: string): string {
  const slash = metadataKey.lastIndexOf('/')
  return slash === -1 ? 'scope' : `${metadataKey.slice(0, slash)}/scope`
}

function withTrailingSlash(url: string): string {
  return url.endsWith('/') ? url : `${url}/`
}

function str(values: Values, name: string): string {
  return values[name] as string
}
function optionalStr(values: Values, name: string): string | undefined {
  return values[name] as string | undefined
}
function num(values: Values, name: string): number {
  return values[name] as number
}
function bool(values: Values, name: string): boolean {
  return parseBoolean(values[name] as string)
}

function buildGeneral(values: Values, compat: FbiCompat | null): GeneralConfig {
  const environment = str(values, 'ENVIRONMENT')
  return {
    compat,
    environment,
    isProduction: isProduction(environment),
    allowDropData: bool(values, 'ALLOW_DROP_DATA'),
    debug: bool(values, 'DEBUG'),
    listenAddress: str(values, 'LISTEN_ADDRESS'),
    port: num(values, 'PORT'),
    logRequestIdGenerateIfNotFound: bool(values, 'LOG_REQUEST_ID_GENERATE_IF_NOT_FOUND'),
    preferredUrlScheme: str(values, 'PREFERRED_URL_SCHEME') as 'http' | 'https',
    buildNumber: optionalStr(values, 'BUILD_NUMBER'),
    gitHash: optionalStr(values, 'GIT_HASH'),
  }
}

function buildJwt(values: Values): JwtConfig {
  // The seed's issuer is PROXY_URL + "/"; trailing slashes are trimmed first so "http://x/" does
  // not become the issuer "http://x//".
  const proxyUrl = str(values, 'PROXY_URL').replace(/\/+$/, '')
  return {
    hsKey: str(values, 'HS_KEY'),
    proxyUrl,
    internalIssuer: `${proxyUrl}/`,
    ignoreJwtValidation: bool(values, 'IGNORE_JWT_VALIDATION'),
    systemAuthHost: str(values, 'SYSTEM_AUTH_HOST'),
    systemAuthPort: num(values, 'SYSTEM_AUTH_PORT'),
    systemAuthUrlScheme: str(values, 'SYSTEM_AUTH_URL_SCHEME') as 'http' | 'https',
  }
}

function buildAuth0(values: Values): Auth0Config {
  const domain = str(values, 'AUTH0_DOMAIN')
  const metadataKey = str(values, 'AUTH0_METADATA')
  return {
    audience: str(values, 'AUTH0_AUDIENCE'),
    domain,
    jwksUrl: optionalStr(values, 'AUTH0_JWKS_URL') ?? `${withTrailingSlash(domain)}.well-known/jwks.json`,
    metadataKey,
    scopeKey: optionalStr(values, 'AUTH0_SCOPE_KEY') ?? deriveScopeKey(metadataKey),
  }
}

function buildDb(values: Values): DbConfig {
  const url = optionalStr(values, 'DATABASE_URL')
  const host = optionalStr(values, 'DATABASE_HOST')
  return {
    configured: url !== undefined || host !== undefined,
    url,
    host,
    port: num(values, 'DATABASE_PORT'),
    user: optionalStr(values, 'DATABASE_USER'),
    password: optionalStr(values, 'DATABASE_PASSWORD'),
    database: optionalStr(values, 'DATABASE_NAME'),
    poolSize: num(values, 'DATABASE_POOL_SIZE'),
    connectTimeoutMs: num(values, 'DATABASE_CONNECT_TIMEOUT_MS'),
    idleTimeoutMs: num(values, 'DATABASE_IDLE_TIMEOUT_MS'),
    statementTimeoutMs: num(values, 'DATABASE_STATEMENT_TIMEOUT_MS'),
  }
}

const TRUE_VALUE = /^(true|1)$/i

/**
 * Rules that span variables. They read the raw input so that they are reported together with
 * every other problem, even when some unrelated variable is missing.
 */
function crossChecks(
  input: Readonly<Record<string, string>>,
  groups: ReadonlySet<GroupName>,
): ConfigProblem[] {
  const environment = input.ENVIRONMENT ?? 'PRODUCTION'
  if (!isProduction(environment)) return []
  const problems: ConfigProblem[] = []
  if (TRUE_VALUE.test(input.ALLOW_DROP_DATA ?? '')) {
    problems.push({
      variable: 'ALLOW_DROP_DATA',
      problem: `cannot be true while ENVIRONMENT is ${environment} (a production environment): it would allow wiping the database`,
      neededBy: 'production guard',
    })
  }
  if (groups.has('jwt') && TRUE_VALUE.test(input.IGNORE_JWT_VALIDATION ?? '')) {
    problems.push({
      variable: 'IGNORE_JWT_VALIDATION',
      problem: `cannot be true while ENVIRONMENT is ${environment} (a production environment): it would accept unverified tokens`,
      neededBy: 'production guard',
    })
  }
  if (groups.has('db') && input.DATABASE_URL === undefined && input.DATABASE_HOST === undefined) {
    problems.push({
      variable: 'DATABASE_URL',
      problem: 'or DATABASE_HOST is required in production (the embedded database is for development only)',
      neededBy: 'db: PostgreSQL',
    })
  }
  return problems
}

function fail(problems: readonly ConfigProblem[]): never {
  const error = new FBI_CONFIG_INVALID(formatProblems(problems))
  Object.defineProperty(error, 'problems', { value: problems, enumerable: true })
  throw error
}

/**
 * Reads and checks every variable of the groups turned on, and returns them frozen and typed.
 * Throws one FBI_CONFIG_INVALID naming every problem at once, never just the first.
 */
export function loadConfig<const O extends LoadConfigOptions>(opts: O = {} as O): Readonly<ConfigFor<O>> {
  const groups = checkOptions(opts)
  const specs = VARIABLES.filter((spec) => groups.has(spec.group))
  const byName = new Map(specs.map((spec) => [spec.name, spec]))
  const input = selectInput(opts.env ?? process.env, readDotenv(opts.dotenv), specs)

  const guardProblems = crossChecks(input, groups)
  let values: Values
  try {
    values = envSchema<Values>({
      schema: buildEnvSchema(specs),
      data: input,
      env: false,
    })
  } catch (error) {
    const ajvErrors = (error as { errors?: unknown }).errors
    if (!Array.isArray(ajvErrors)) throw error
    fail([...problemsFromAjv(ajvErrors, byName, input), ...guardProblems])
  }
  if (guardProblems.length > 0) fail(guardProblems)

  const config: FbiConfig = {
    ...buildGeneral(values, opts.compat || null),
    ...(groups.has('jwt') && { jwt: Object.freeze(buildJwt(values)) }),
    ...(groups.has('auth0') && { auth0: Object.freeze(buildAuth0(values)) }),
    ...(groups.has('customAuth0') && {
      customAuth0: Object.freeze({
        domain: str(values, 'AUTH0_CUSTOM_DOMAIN'),
        hsKey: str(values, 'AUTH0_HS_KEY'),
      }),
    }),
    ...(groups.has('epr') && {
      epr: Object.freeze({
        issuer: str(values, 'EPR_SERVICE_ADAPTER_ISSUER'),
        hsKey: str(values, 'EPR_SERVICE_ADAPTER_HS_KEY'),
      }),
    }),
    ...(groups.has('db') && { db: Object.freeze(buildDb(values)) }),
  }
  return Object.freeze(config) as Readonly<ConfigFor<O>>
}
