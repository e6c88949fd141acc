/** The variable groups a service can turn on; `general` is always on. */
export type GroupName = 'general' | 'jwt' | 'auth0' | 'customAuth0' | 'epr' | 'db' | 'tracing'

export type VariableKind = 'string' | 'url' | 'boolean' | 'integer' | 'port' | 'scheme' | 'choice' | 'ratio'

export interface VariableSpec {
  readonly name: string
  readonly group: GroupName
  readonly kind: VariableKind
  readonly required?: boolean
  readonly default?: string
  /** Lower bound for integers. */
  readonly minimum?: number
  /** The accepted values of a `choice` variable, exactly as written (case-sensitive). */
  readonly choices?: readonly string[]
  /** For a variable of the original (SQLALCHEMY_*): the variable of ours it maps onto. */
  readonly replacedBy?: string
}

/** What each group is for, so an error tells an operator which feature wants the variable. */
export const GROUP_PURPOSE: Readonly<Record<GroupName, string>> = Object.freeze({
  general: 'general settings',
  jwt: 'jwt: internal JWT issuer and system tokens',
  auth0: 'auth0: JWKS token provider (Auth0, Azure AD B2C)',
  customAuth0: 'customAuth0: custom-database login issuer',
  epr: 'epr: EPR service adapter issuer',
  db: 'db: PostgreSQL',
  tracing: 'tracing: OpenTelemetry traces (@fbi/tracing)',
})

/** LOG_LEVEL's values: pino's levels, lower-case as pino spells them. */
export const LOG_LEVELS = Object.freeze([
  'fatal',
  'error',
  'warn',
  'info',
  'debug',
  'trace',
  'silent',
] as const)
export type LogLevel = (typeof LOG_LEVELS)[number]

/** LOG_FORMAT's values: one JSON object a line, or one readable line a request for a terminal. */
export const LOG_FORMATS = Object.freeze(['json', 'pretty'] as const)
export type LogFormat = (typeof LOG_FORMATS)[number]

// Names and defaults are the seed's, so existing deployments carry over unchanged. Every default of
// a variable is written here and nowhere else (DB_POOL_DEFAULTS reads the pool's from this list).
const SPECS: VariableSpec[] = [
  { name: 'ENVIRONMENT', group: 'general', kind: 'string', default: 'PRODUCTION' },
  { name: 'ALLOW_DROP_DATA', group: 'general', kind: 'boolean', default: 'false' },
  { name: 'DEBUG', group: 'general', kind: 'boolean', default: 'false' },
  { name: 'LISTEN_ADDRESS', group: 'general', kind: 'string', default: '0.0.0.0' },
  { name: 'PORT', group: 'general', kind: 'port', default: '5000' },
  { name: 'LOG_REQUEST_ID_GENERATE_IF_NOT_FOUND', group: 'general', kind: 'boolean', default: 'true' },
  { name: 'PREFERRED_URL_SCHEME', group: 'general', kind: 'scheme', default: 'http' },
  { name: 'BUILD_NUMBER', group: 'general', kind: 'string' },
  { name: 'GIT_HASH', group: 'general', kind: 'string' },
  { name: 'LOG_LEVEL', group: 'general', kind: 'choice', choices: LOG_LEVELS, default: 'info' },
  // Unset: pretty on a terminal outside production, JSON otherwise (@fbi/monitoring decides).
  { name: 'LOG_FORMAT', group: 'general', kind: 'choice', choices: LOG_FORMATS },
  { name: 'ADMIN_PORT', group: 'general', kind: 'port' },
  { name: 'ADMIN_TOKEN', group: 'general', kind: 'string' },

  { name: 'HS_KEY', group: 'jwt', kind: 'string', required: true },
  { name: 'PROXY_URL', group: 'jwt', kind: 'url', required: true },
  { name: 'IGNORE_JWT_VALIDATION', group: 'jwt', kind: 'boolean', default: 'false' },
  { name: 'SYSTEM_AUTH_HOST', group: 'jwt', kind: 'string', default: 'localhost' },
  { name: 'SYSTEM_AUTH_PORT', group: 'jwt', kind: 'port', default: '7000' },
  { name: 'SYSTEM_AUTH_URL_SCHEME', group: 'jwt', kind: 'scheme', default: 'http' },

  { name: 'AUTH0_AUDIENCE', group: 'auth0', kind: 'string', required: true },
  { name: 'AUTH0_DOMAIN', group: 'auth0', kind: 'url', required: true },
  { name: 'AUTH0_JWKS_URL', group: 'auth0', kind: 'url' },
  { name: 'AUTH0_METADATA', group: 'auth0', kind: 'string', required: true },
  { name: 'AUTH0_SCOPE_KEY', group: 'auth0', kind: 'string' },

  { name: 'AUTH0_CUSTOM_DOMAIN', group: 'customAuth0', kind: 'url', required: true },
  { name: 'AUTH0_HS_KEY', group: 'customAuth0', kind: 'string', required: true },

  { name: 'EPR_SERVICE_ADAPTER_ISSUER', group: 'epr', kind: 'string', required: true },
  { name: 'EPR_SERVICE_ADAPTER_HS_KEY', group: 'epr', kind: 'string', required: true },

  { name: 'DATABASE_URL', group: 'db', kind: 'url' },
  { name: 'DATABASE_HOST', group: 'db', kind: 'string' },
  { name: 'DATABASE_PORT', group: 'db', kind: 'port', default: '5432' },
  { name: 'DATABASE_USER', group: 'db', kind: 'string' },
  { name: 'DATABASE_PASSWORD', group: 'db', kind: 'string' },
  { name: 'DATABASE_NAME', group: 'db', kind: 'string' },
  { name: 'DATABASE_POOL_SIZE', group: 'db', kind: 'integer', default: '10', minimum: 1 },
  { name: 'DATABASE_CONNECT_TIMEOUT_MS', group: 'db', kind: 'integer', default: '5000', minimum: 1 },
  { name: 'DATABASE_IDLE_TIMEOUT_MS', group: 'db', kind: 'integer', default: '10000', minimum: 0 },
  { name: 'DATABASE_STATEMENT_TIMEOUT_MS', group: 'db', kind: 'integer', default: '30000', minimum: 0 },
  { name: 'DATABASE_MAX_LIFETIME_SECONDS', group: 'db', kind: 'integer', default: '0', minimum: 0 },
  { name: 'DATABASE_MIGRATIONS_URL', group: 'db', kind: 'url' },
  { name: 'DATABASE_TRANSACTION_POOLER', group: 'db', kind: 'boolean', default: 'false' },

  // OpenTelemetry's own names (the SDK environment specification), so a platform's tracing settings
  // carry over; tracing is on only when an OTLP endpoint is set (see tracing-config.ts).
  { name: 'OTEL_SDK_DISABLED', group: 'tracing', kind: 'boolean', default: 'false' },
  { name: 'OTEL_SERVICE_NAME', group: 'tracing', kind: 'string' },
  { name: 'OTEL_RESOURCE_ATTRIBUTES', group: 'tracing', kind: 'string' },
  {
    name: 'OTEL_TRACES_EXPORTER',
    group: 'tracing',
    kind: 'choice',
    choices: ['otlp', 'none'],
    default: 'otlp',
  },
  {
    name: 'OTEL_TRACES_SAMPLER',
    group: 'tracing',
    kind: 'choice',
    choices: [
      'always_on',
      'always_off',
      'traceidratio',
      'parentbased_always_on',
      'parentbased_always_off',
      'parentbased_traceidratio',
    ],
    default: 'parentbased_always_on',
  },
  { name: 'OTEL_TRACES_SAMPLER_ARG', group: 'tracing', kind: 'ratio' },
  { name: 'OTEL_EXPORTER_OTLP_ENDPOINT', group: 'tracing', kind: 'url' },
  { name: 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', group: 'tracing', kind: 'url' },
  {
    name: 'OTEL_EXPORTER_OTLP_PROTOCOL',
    group: 'tracing',
    kind: 'choice',
    choices: ['http/protobuf', 'http/json'],
    default: 'http/protobuf',
  },
  {
    name: 'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL',
    group: 'tracing',
    kind: 'choice',
    choices: ['http/protobuf', 'http/json'],
  },
  { name: 'OTEL_EXPORTER_OTLP_HEADERS', group: 'tracing', kind: 'string' },
  { name: 'OTEL_EXPORTER_OTLP_TRACES_HEADERS', group: 'tracing', kind: 'string' },
  { name: 'OTEL_EXPORTER_OTLP_TIMEOUT', group: 'tracing', kind: 'integer', default: '10000', minimum: 1 },
  { name: 'OTEL_EXPORTER_OTLP_TRACES_TIMEOUT', group: 'tracing', kind: 'integer', minimum: 1 },
  { name: 'OTEL_BSP_SCHEDULE_DELAY', group: 'tracing', kind: 'integer', default: '5000', minimum: 0 },
  { name: 'OTEL_BSP_EXPORT_TIMEOUT', group: 'tracing', kind: 'integer', default: '30000', minimum: 1 },
  { name: 'OTEL_BSP_MAX_QUEUE_SIZE', group: 'tracing', kind: 'integer', default: '2048', minimum: 1 },
  { name: 'OTEL_BSP_MAX_EXPORT_BATCH_SIZE', group: 'tracing', kind: 'integer', default: '512', minimum: 1 },

  // The original's pool variables (SQLAlchemy's), read when ours are not set: see legacy.ts.
  {
    name: 'SQLALCHEMY_POOL_SIZE',
    group: 'db',
    kind: 'integer',
    minimum: 1,
    replacedBy: 'DATABASE_POOL_SIZE',
  },
  {
    name: 'SQLALCHEMY_MAX_OVERFLOW',
    group: 'db',
    kind: 'integer',
    minimum: 0,
    replacedBy: 'DATABASE_POOL_SIZE',
  },
  {
    name: 'SQLALCHEMY_POOL_TIMEOUT',
    group: 'db',
    kind: 'integer',
    minimum: 1,
    replacedBy: 'DATABASE_CONNECT_TIMEOUT_MS',
  },
  {
    name: 'SQLALCHEMY_POOL_RECYCLE',
    group: 'db',
    kind: 'integer',
    minimum: -1,
    replacedBy: 'DATABASE_MAX_LIFETIME_SECONDS',
  },
]

/** Every variable @fbi/config reads, with its group, kind and default; frozen. */
export const VARIABLES: readonly VariableSpec[] = Object.freeze(SPECS.map((spec) => Object.freeze(spec)))

/** One integer pool setting: the variable it comes from, its default and its lower bound. */
export interface PoolSetting {
  readonly variable: string
  readonly default: number
  readonly minimum: number
}

function poolSetting(variable: string): PoolSetting {
  const spec = VARIABLES.find((candidate) => candidate.name === variable)
  return Object.freeze({ variable, default: Number(spec?.default), minimum: spec?.minimum ?? 0 })
}

/**
 * The pool settings, read from VARIABLES: for @fbi/db (and anyone building a pool from options),
 * which checks its own options against the same bounds, so that no default or bound is written twice.
 */
export const DB_POOL_SETTINGS = Object.freeze({
  poolSize: poolSetting('DATABASE_POOL_SIZE'),
  connectTimeoutMs: poolSetting('DATABASE_CONNECT_TIMEOUT_MS'),
  idleTimeoutMs: poolSetting('DATABASE_IDLE_TIMEOUT_MS'),
  statementTimeoutMs: poolSetting('DATABASE_STATEMENT_TIMEOUT_MS'),
  maxLifetimeSeconds: poolSetting('DATABASE_MAX_LIFETIME_SECONDS'),
})

/** The pool settings' defaults (DB_POOL_SETTINGS' `default`s). */
export const DB_POOL_DEFAULTS: Readonly<Record<keyof typeof DB_POOL_SETTINGS, number>> = Object.freeze(
  Object.fromEntries(
    Object.entries(DB_POOL_SETTINGS).map(([key, setting]) => [key, setting.default]),
  ) as Record<keyof typeof DB_POOL_SETTINGS, number>,
)
