import { isLegacyBoolean, parseBoolean } from './booleans.js'
import type { ConfigWarning } from './types.js'
import type { VariableSpec } from './variables.js'

type Input = Readonly<Record<string, string>>
type Values = Readonly<Record<string, string | number | undefined>>

/** The pool settings the original's SQLALCHEMY_* variables give, where ours are not set. */
export interface LegacyPoolSettings {
  poolSize?: number
  connectTimeoutMs?: number
  maxLifetimeSeconds?: number
}

// The original's defaults (flask_batteries_included/config.py, RealSqlDbConfig), needed when only
// one half of size + overflow is set: the other half was then the original's default.
const ORIGINAL_POOL_SIZE = 2
const ORIGINAL_MAX_OVERFLOW = 0

/** The original's variables that have no equivalent in fbi: read only to say so. */
export const UNMAPPED_VARIABLES: readonly string[] = Object.freeze([
  'SQLALCHEMY_POOL_PRE_PING',
  'SQLALCHEMY_EXECUTEMANY_MODE',
  'SQLALCHEMY_TRACK_MODIFICATIONS',
])

/** A warning for each boolean variable written in a spelling only the original accepted. */
export function legacyBooleanWarnings(specs: readonly VariableSpec[], input: Input): ConfigWarning[] {
  const warnings: ConfigWarning[] = []
  for (const spec of specs) {
    const raw = input[spec.name]
    if (spec.kind !== 'boolean' || raw === undefined || !isLegacyBoolean(raw)) continue
    const ours = parseBoolean(raw) ? 'true' : 'false'
    warnings.push({
      variable: spec.name,
      message: `${spec.name}='${raw}' is the original's spelling of a boolean: write ${spec.name}=${ours} (it will stop being accepted)`,
    })
  }
  return warnings
}

/**
 * Maps the original's SQLAlchemy pool variables onto pg's pool, each only where our own variable is
 * not set (ours win), with a warning naming the variable and value to write instead:
 * - SQLALCHEMY_POOL_SIZE + SQLALCHEMY_MAX_OVERFLOW -> DATABASE_POOL_SIZE (pg's `max`: SQLAlchemy
 *   kept `size` connections and opened up to `overflow` more under load; pg's pool opens up to
 *   `max` and closes idle ones after DATABASE_IDLE_TIMEOUT_MS);
 * - SQLALCHEMY_POOL_TIMEOUT (seconds waiting for a connection) -> DATABASE_CONNECT_TIMEOUT_MS (pg's
 *   `connectionTimeoutMillis`, which bounds the same wait);
 * - SQLALCHEMY_POOL_RECYCLE (seconds; -1 never) -> DATABASE_MAX_LIFETIME_SECONDS (pg's
 *   `maxLifetimeSeconds`; 0 never).
 */
export function mapLegacyPool(input: Input, values: Values, warnings: ConfigWarning[]): LegacyPoolSettings {
  const settings: LegacyPoolSettings = {}
  const ignored = (name: string, ours: string) =>
    warnings.push({ variable: name, message: `${name} is ignored: ${ours} is set (remove ${name})` })
  const replaced = (name: string, ours: string, value: number, how = '') =>
    warnings.push({
      variable: name,
      message: `${name} is the original's variable: set ${ours}=${value} instead${how}`,
    })

  const sizeNames = ['SQLALCHEMY_POOL_SIZE', 'SQLALCHEMY_MAX_OVERFLOW'].filter(
    (name) => input[name] !== undefined,
  )
  if (sizeNames.length > 0) {
    if (input.DATABASE_POOL_SIZE !== undefined) {
      for (const name of sizeNames) ignored(name, 'DATABASE_POOL_SIZE')
    } else {
      const size = (values.SQLALCHEMY_POOL_SIZE as number | undefined) ?? ORIGINAL_POOL_SIZE
      const overflow = (values.SQLALCHEMY_MAX_OVERFLOW as number | undefined) ?? ORIGINAL_MAX_OVERFLOW
      settings.poolSize = size + overflow
      for (const name of sizeNames) {
        replaced(
          name,
          'DATABASE_POOL_SIZE',
          settings.poolSize,
          ' (SQLALCHEMY_POOL_SIZE + SQLALCHEMY_MAX_OVERFLOW)',
        )
      }
    }
  }

  if (input.SQLALCHEMY_POOL_TIMEOUT !== undefined) {
    if (input.DATABASE_CONNECT_TIMEOUT_MS !== undefined) {
      ignored('SQLALCHEMY_POOL_TIMEOUT', 'DATABASE_CONNECT_TIMEOUT_MS')
    } else {
      settings.connectTimeoutMs = (values.SQLALCHEMY_POOL_TIMEOUT as number) * 1000
      replaced('SQLALCHEMY_POOL_TIMEOUT', 'DATABASE_CONNECT_TIMEOUT_MS', settings.connectTimeoutMs)
    }
  }

  if (input.SQLALCHEMY_POOL_RECYCLE !== undefined) {
    if (input.DATABASE_MAX_LIFETIME_SECONDS !== undefined) {
      ignored('SQLALCHEMY_POOL_RECYCLE', 'DATABASE_MAX_LIFETIME_SECONDS')
    } else {
      settings.maxLifetimeSeconds = Math.max(0, values.SQLALCHEMY_POOL_RECYCLE as number)
      replaced('SQLALCHEMY_POOL_RECYCLE', 'DATABASE_MAX_LIFETIME_SECONDS', settings.maxLifetimeSeconds)
    }
  }

  for (const name of UNMAPPED_VARIABLES) {
    if (input[name] !== undefined) {
      warnings.push({ variable: name, message: `${name} has no equivalent in fbi and is ignored` })
    }
  }
  return settings
}
