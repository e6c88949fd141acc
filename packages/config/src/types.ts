import type { LogFormat, LogLevel } from './variables.js'

/** The environments the seed treats as non-production. Anything else, unknown values included, is production. */
export const NON_PRODUCTION_ENVIRONMENTS = ['DEMO', 'DEVELOPMENT', 'STAGING', 'TRAINING', 'TEST'] as const
export type NonProductionEnvironment = (typeof NON_PRODUCTION_ENVIRONMENTS)[number]

/** The behaviours fbi can switch to for compatibility: 'flask' answers as Flask Batteries Included did. */
export const COMPAT_MODES = Object.freeze(['flask'] as const)
export type FbiCompat = (typeof COMPAT_MODES)[number]

/** Something read from the environment that works but should change (the original's spellings and variables). */
export interface ConfigWarning {
  /** The variable concerned. */
  readonly variable: string
  /** What to write instead, for the operator. */
  readonly message: string
}

/** General settings every service has (the seed's GeneralConfig). */
export interface GeneralConfig {
  /** What was accepted but should change; the plugin logs each once at registration. Empty when all is well. */
  readonly warnings: readonly ConfigWarning[]
  /** The `compat` option: 'flask' to answer as the original library did, null for fbi's behaviour. Default: null. */
  readonly compat: FbiCompat | null
  /** ENVIRONMENT, exactly as set (matching is case-sensitive, as in the seed). Default: PRODUCTION. */
  readonly environment: string
  /** True unless ENVIRONMENT is one of the non-production names. */
  readonly isProduction: boolean
  /** ALLOW_DROP_DATA. Default: false; refused in production. */
  readonly allowDropData: boolean
  /** DEBUG. Default: false. */
  readonly debug: boolean
  /** LISTEN_ADDRESS. Default: 0.0.0.0. */
  readonly listenAddress: string
  /** PORT. Default: 5000. */
  readonly port: number
  /** LOG_REQUEST_ID_GENERATE_IF_NOT_FOUND. Default: true. */
  readonly logRequestIdGenerateIfNotFound: boolean
  /** PREFERRED_URL_SCHEME. Default: http. */
  readonly preferredUrlScheme: 'http' | 'https'
  /** BUILD_NUMBER (the seed's "circle" build number), shown by /version. Default: undefined. */
  readonly buildNumber?: string
  /** GIT_HASH, shown by /version. Default: undefined. */
  readonly gitHash?: string
  /** LOG_LEVEL: the level of the logger `monitoringServerOptions({ logger })` builds. Default: info. */
  readonly logLevel: LogLevel
  /** LOG_FORMAT: 'json' or 'pretty'. Default: undefined (pretty on a terminal outside production, JSON otherwise). */
  readonly logFormat?: LogFormat
  /** ADMIN_PORT: the port @fbi/monitoring serves the admin routes on, apart from the service's. Default: undefined (the service's port). */
  readonly adminPort?: number
  /** ADMIN_TOKEN: the bearer token the admin routes ask for. Default: undefined (none asked). */
  readonly adminToken?: string
}

/** The internal (platform) issuer's HS-signed tokens and the system-token service (the seed's JwtConfig). */
export interface JwtConfig {
  /** HS_KEY: the HMAC key of the internal issuer. Required. */
  readonly hsKey: string
  /** PROXY_URL, without a trailing slash. Required. */
  readonly proxyUrl: string
  /** PROXY_URL + "/": the internal issuer and audience. */
  readonly internalIssuer: string
  /** IGNORE_JWT_VALIDATION. Default: false; refused in production. */
  readonly ignoreJwtValidation: boolean
  /** SYSTEM_AUTH_HOST. Default: localhost. */
  readonly systemAuthHost: string
  /** SYSTEM_AUTH_PORT. Default: 7000. */
  readonly systemAuthPort: number
  /** SYSTEM_AUTH_URL_SCHEME. Default: http. */
  readonly systemAuthUrlScheme: 'http' | 'https'
}

/** A JWKS token provider: Auth0, Azure AD B2C or any other (the seed's Auth0Config). */
export interface Auth0Config {
  /** AUTH0_AUDIENCE. Required. */
  readonly audience: string
  /** AUTH0_DOMAIN: the provider's issuer, e.g. https://tenant.eu.auth0.com/. Required (no vendor default). */
  readonly domain: string
  /** AUTH0_JWKS_URL. Default: AUTH0_DOMAIN + ".well-known/jwks.json". */
  readonly jwksUrl: string
  /** AUTH0_METADATA: the claim that holds the platform metadata. Required (no vendor default). */
  readonly metadataKey: string
  /** AUTH0_SCOPE_KEY. Default: derived from AUTH0_METADATA (part before its last "/" + "/scope", else "scope"). */
  readonly scopeKey: string
}

/** The custom-database login issuer (the seed's Auth0CustomConfig). */
export interface CustomAuth0Config {
  /** AUTH0_CUSTOM_DOMAIN: the issuer of custom-DB login tokens. Required. */
  readonly domain: string
  /** AUTH0_HS_KEY: their HMAC key. Required. */
  readonly hsKey: string
}

/** The EPR service adapter issuer. */
export interface EprConfig {
  /** EPR_SERVICE_ADAPTER_ISSUER. Required. */
  readonly issuer: string
  /** EPR_SERVICE_ADAPTER_HS_KEY. Required. */
  readonly hsKey: string
}

/** PostgreSQL connection and pool settings. */
export interface DbConfig {
  /** True when DATABASE_URL or DATABASE_HOST is set; false means "no database configured". */
  readonly configured: boolean
  /** DATABASE_URL, when set (wins over the separate variables). */
  readonly url?: string
  /** DATABASE_HOST. */
  readonly host?: string
  /** DATABASE_PORT. Default: 5432. */
  readonly port: number
  /** DATABASE_USER. */
  readonly user?: string
  /** DATABASE_PASSWORD. */
  readonly password?: string
  /** DATABASE_NAME. */
  readonly database?: string
  /** DATABASE_POOL_SIZE (or SQLALCHEMY_POOL_SIZE + SQLALCHEMY_MAX_OVERFLOW): maximum connections in the pool. Default: 10. */
  readonly poolSize: number
  /** DATABASE_CONNECT_TIMEOUT_MS (or SQLALCHEMY_POOL_TIMEOUT × 1000): to connect or wait for a free connection. Default: 5000. */
  readonly connectTimeoutMs: number
  /** DATABASE_IDLE_TIMEOUT_MS. Default: 10000. */
  readonly idleTimeoutMs: number
  /** DATABASE_STATEMENT_TIMEOUT_MS. Default: 30000. */
  readonly statementTimeoutMs: number
  /** DATABASE_MAX_LIFETIME_SECONDS (or SQLALCHEMY_POOL_RECYCLE): a connection older than this is replaced (pg's `maxLifetimeSeconds`; 0 never). Default: 0. */
  readonly maxLifetimeSeconds: number
  /** DATABASE_MIGRATIONS_URL: a direct (session) connection for migrations, e.g. when DATABASE_URL is a transaction pooler. Default: undefined (the main connection). */
  readonly migrationsUrl?: string
  /** DATABASE_TRANSACTION_POOLER: the connection goes through a transaction-mode pooler (PgBouncer). Default: false. */
  readonly transactionPooler: boolean
}

/** OTEL_TRACES_SAMPLER's values (OpenTelemetry's SDK environment specification). */
export type TracesSampler =
  | 'always_on'
  | 'always_off'
  | 'traceidratio'
  | 'parentbased_always_on'
  | 'parentbased_always_off'
  | 'parentbased_traceidratio'

/** The OTLP encodings fbi exports traces in (gRPC is not supported). */
export type TracingProtocol = 'http/protobuf' | 'http/json'

/** OpenTelemetry traces, from the standard OTEL_* variables; @fbi/tracing reads it. */
export interface TracingConfig {
  /** True when traces are exported: an OTLP endpoint is set, OTEL_TRACES_EXPORTER is `otlp` and OTEL_SDK_DISABLED is not true. */
  readonly enabled: boolean
  /** OTEL_SDK_DISABLED. Default: false. */
  readonly sdkDisabled: boolean
  /** OTEL_TRACES_EXPORTER: `otlp` or `none`. Default: otlp. */
  readonly exporter: 'otlp' | 'none'
  /** OTEL_SERVICE_NAME, else `service.name` of OTEL_RESOURCE_ATTRIBUTES. Default: unknown_service:node. */
  readonly serviceName: string
  /** OTEL_RESOURCE_ATTRIBUTES, decoded. Default: {}. */
  readonly resourceAttributes: Readonly<Record<string, string>>
  /** OTEL_EXPORTER_OTLP_TRACES_ENDPOINT as is, else OTEL_EXPORTER_OTLP_ENDPOINT + `/v1/traces`. Default: undefined (tracing off). */
  readonly endpoint?: string
  /** OTEL_EXPORTER_OTLP_TRACES_PROTOCOL, else OTEL_EXPORTER_OTLP_PROTOCOL. Default: http/protobuf. */
  readonly protocol: TracingProtocol
  /** OTEL_EXPORTER_OTLP_HEADERS, with OTEL_EXPORTER_OTLP_TRACES_HEADERS winning per key; may hold credentials. Default: {}. */
  readonly headers: Readonly<Record<string, string>>
  /** OTEL_EXPORTER_OTLP_TRACES_TIMEOUT, else OTEL_EXPORTER_OTLP_TIMEOUT, in ms. Default: 10000. */
  readonly timeoutMs: number
  /** OTEL_TRACES_SAMPLER. Default: parentbased_always_on. */
  readonly sampler: TracesSampler
  /** OTEL_TRACES_SAMPLER_ARG: the ratio of the traceidratio samplers, 0 to 1. Default: 1. */
  readonly samplerRatio: number
  /** OTEL_BSP_*: the batch span processor. Defaults: 5000 ms delay, 30000 ms export timeout, 2048 queued, 512 a batch. */
  readonly batch: {
    readonly scheduleDelayMs: number
    readonly exportTimeoutMs: number
    readonly maxQueueSize: number
    readonly maxExportBatchSize: number
  }
}

/** The frozen, typed result of loadConfig; `app.config` in Fastify. A group is present only when turned on. */
export interface FbiConfig extends GeneralConfig {
  readonly jwt?: JwtConfig
  readonly auth0?: Auth0Config
  readonly customAuth0?: CustomAuth0Config
  readonly epr?: EprConfig
  readonly db?: DbConfig
  readonly tracing?: TracingConfig
}
