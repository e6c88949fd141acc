import { parseBoolean } from './booleans.js'
import { isProduction } from './environment.js'
import type { LegacyPoolSettings } from './legacy.js'
import type { Auth0Config, DbConfig, FbiCompat, GeneralConfig, JwtConfig } from './types.js'
import type { LogFormat, LogLevel } from './variables.js'

/** The variables as validateEnv returned them: defaults applied, numbers converted. */
export type Values = Readonly<Record<string, string | number | undefined>>

function str(values: Values, name: string): string {
  return values[name] as string
}
function optionalStr(values: Values, name: string): string | undefined {
  return values[name] as string | undefined
}
function num(values: Values, name: string): number {
  return values[name] as number
}
// Checked against BOOLEAN_PATTERN already, so one of the accepted spellings.
function bool(values: Values, name: string): boolean {
  return parseBoolean(values[name] as string) === true
}

function deriveScopeKey(metadataKey: string): string {
  const slash = metadataKey.lastIndexOf('/')
  return slash === -1 ? 'scope' : `${metadataKey.slice(0, slash)}/scope`
}

function withTrailingSlash(url: string): string {
  return url.endsWith('/') ? url : `${url}/`
}

export function buildGeneral(values: Values, compat: FbiCompat | null): Omit<GeneralConfig, 'warnings'> {
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
    logLevel: str(values, 'LOG_LEVEL') as LogLevel,
    logFormat: optionalStr(values, 'LOG_FORMAT') as LogFormat | undefined,
    adminPort: values.ADMIN_PORT as number | undefined,
    adminToken: optionalStr(values, 'ADMIN_TOKEN'),
  }
}

export function buildJwt(values: Values): JwtConfig {
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

export function buildAuth0(values: Values): Auth0Config {
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

export function buildCustomAuth0(values: Values) {
  return { domain: str(values, 'AUTH0_CUSTOM_DOMAIN'), hsKey: str(values, 'AUTH0_HS_KEY') }
}

export function buildEpr(values: Values) {
  return {
    issuer: str(values, 'EPR_SERVICE_ADAPTER_ISSUER'),
    hsKey: str(values, 'EPR_SERVICE_ADAPTER_HS_KEY'),
  }
}

/** The db group; the original's SQLALCHEMY_* settings fill in where DATABASE_* ones were not set. */
export function buildDb(values: Values, legacy: LegacyPoolSettings): DbConfig {
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
    poolSize: legacy.poolSize ?? num(values, 'DATABASE_POOL_SIZE'),
    connectTimeoutMs: legacy.connectTimeoutMs ?? num(values, 'DATABASE_CONNECT_TIMEOUT_MS'),
    idleTimeoutMs: num(values, 'DATABASE_IDLE_TIMEOUT_MS'),
    statementTimeoutMs: num(values, 'DATABASE_STATEMENT_TIMEOUT_MS'),
    maxLifetimeSeconds: legacy.maxLifetimeSeconds ?? num(values, 'DATABASE_MAX_LIFETIME_SECONDS'),
    migrationsUrl: optionalStr(values, 'DATABASE_MIGRATIONS_URL'),
    transactionPooler: bool(values, 'DATABASE_TRANSACTION_POOLER'),
  }
}
