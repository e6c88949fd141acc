import { buildAuth0, buildCustomAuth0, buildDb, buildEpr, buildGeneral, buildJwt } from './build-config.js'
import { readDotenv } from './dotenv.js'
import { validateEnv } from './env-validators.js'
import { FBI_CONFIG_INVALID } from './errors.js'
import { productionGuards } from './guards.js'
import { legacyBooleanWarnings, mapLegacyPool, UNMAPPED_VARIABLES } from './legacy.js'
import { type LoadConfigOptions, resolveLoadOptions } from './options.js'
import { type ConfigProblem, formatProblems, problemsFromAjv } from './problems.js'
import { buildTracing, tracingProblems } from './tracing-config.js'
import type { Auth0Config, ConfigWarning, DbConfig, FbiConfig, JwtConfig, TracingConfig } from './types.js'
import { VARIABLES } from './variables.js'

/** The config type for a given set of options: a group turned on is known to be present. */
export type ConfigFor<O extends LoadConfigOptions> = FbiConfig &
  (O['jwt'] extends false ? unknown : { readonly jwt: JwtConfig }) &
  (O['auth0'] extends true ? { readonly auth0: Auth0Config } : unknown) &
  (O['customAuth0'] extends true
    ? { readonly customAuth0: NonNullable<FbiConfig['customAuth0']> }
    : unknown) &
  (O['epr'] extends true ? { readonly epr: NonNullable<FbiConfig['epr']> } : unknown) &
  (O['db'] extends true ? { readonly db: DbConfig } : unknown) &
  (O['tracing'] extends false ? unknown : { readonly tracing: TracingConfig })

// Empty strings count as unset: container tooling often exports `VAR=` for "no value". A value in
// `env` wins over the .env file.
function selectInput(
  env: Readonly<Record<string, string | undefined>>,
  file: Readonly<Record<string, string | undefined>>,
  names: readonly string[],
): Record<string, string> {
  const input: Record<string, string> = {}
  for (const name of names) {
    const value = env[name] || file[name]
    if (typeof value === 'string' && value !== '') input[name] = value
  }
  return input
}

function fail(problems: readonly ConfigProblem[]): never {
  const error = new FBI_CONFIG_INVALID(formatProblems(problems))
  Object.defineProperty(error, 'problems', { value: problems, enumerable: true })
  throw error
}

/**
 * Reads and checks every variable of the groups turned on, and returns them frozen and typed.
 * Throws one FBI_CONFIG_INVALID naming every problem at once, never just the first. What was read
 * but deserves attention (the original's spellings and variables) is in `warnings`.
 */
export function loadConfig<const O extends LoadConfigOptions>(opts: O = {} as O): Readonly<ConfigFor<O>> {
  const { env, dotenvPath, groups, compat } = resolveLoadOptions(opts)
  const specs = VARIABLES.filter((spec) => groups.has(spec.group))
  const byName = new Map(specs.map((spec) => [spec.name, spec]))
  const names = [...byName.keys(), ...(groups.has('db') ? UNMAPPED_VARIABLES : [])]
  const input = selectInput(env, readDotenv(dotenvPath), names)

  const guardProblems = [
    ...productionGuards(input, groups),
    ...(groups.has('tracing') ? tracingProblems(input) : []),
  ]
  const { values, errors } = validateEnv(input, specs)
  if (errors.length > 0) fail([...problemsFromAjv(errors, byName, input), ...guardProblems])
  if (guardProblems.length > 0) fail(guardProblems)

  const warnings: ConfigWarning[] = legacyBooleanWarnings(specs, input)
  const legacyPool = groups.has('db') ? mapLegacyPool(input, values, warnings) : {}
  const config: FbiConfig = {
    ...buildGeneral(values, compat),
    warnings: Object.freeze(warnings.map((warning) => Object.freeze(warning))),
    ...(groups.has('jwt') && { jwt: Object.freeze(buildJwt(values)) }),
    ...(groups.has('auth0') && { auth0: Object.freeze(buildAuth0(values)) }),
    ...(groups.has('customAuth0') && { customAuth0: Object.freeze(buildCustomAuth0(values)) }),
    ...(groups.has('epr') && { epr: Object.freeze(buildEpr(values)) }),
    ...(groups.has('db') && { db: Object.freeze(buildDb(values, legacyPool)) }),
    ...(groups.has('tracing') && { tracing: Object.freeze(buildTracing(values)) }),
  }
  return Object.freeze(config) as Readonly<ConfigFor<O>>
}
