import type { FastifyPluginAsync } from 'fastify'
import fp from 'fastify-plugin'
import { FBI_CONFIG_INVALID_OPTION, FBI_CONFIG_NON_ERROR_THROWN } from './errors.js'
import { asError, failClosed } from './fail-closed.js'
import { loadConfig } from './load-config.js'
import { isPlainObject, type LoadConfigOptions } from './options.js'
import type { FbiConfig } from './types.js'

export { isNonProduction, isProduction } from './environment.js'
export { FBI_CONFIG_INVALID, FBI_CONFIG_INVALID_OPTION, FBI_CONFIG_NON_ERROR_THROWN } from './errors.js'
export { type ConfigFor, loadConfig } from './load-config.js'
export type { LoadConfigOptions, ResolvedLoadOptions } from './options.js'
export type { ConfigProblem } from './problems.js'
export * from './types.js'
export {
  DB_POOL_DEFAULTS,
  DB_POOL_SETTINGS,
  LOG_FORMATS,
  LOG_LEVELS,
  type LogFormat,
  type LogLevel,
  type PoolSetting,
  VARIABLES,
  type VariableSpec,
} from './variables.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** The checked, frozen configuration of this service (@fbi/config). */
    config: FbiConfig
  }
}

export interface FbiConfigOptions extends LoadConfigOptions {
  /**
   * An already loaded configuration (from `loadConfig`), used as is instead of reading variables
   * again. Default: undefined (variables are read when the plugin registers).
   */
  config?: FbiConfig
}

const fbiConfig: FastifyPluginAsync<FbiConfigOptions> = async (fastify, opts) => {
  // Options: a configuration given as is, or the variables read and checked now.
  const { config: given, ...loadOptions } = opts
  if (given !== undefined && !(isPlainObject(given) && Array.isArray(given.warnings))) {
    throw new FBI_CONFIG_INVALID_OPTION('config', 'must be a configuration returned by loadConfig')
  }
  const config = given ?? loadConfig(loadOptions)

  // Decorator.
  fastify.decorate('config', config)

  // Once, at registration: what was accepted but should change.
  for (const warning of config.warnings) fastify.log.warn({ variable: warning.variable }, warning.message)
}

const plugin = fp(
  failClosed(fbiConfig, (thrown) =>
    asError(
      thrown,
      'Registering @fbi/config (an option getter or a custom logger)',
      FBI_CONFIG_NON_ERROR_THROWN,
    ),
  ),
  {
    name: '@fbi/config',
    fastify: '5.x',
  },
)
export default plugin
export { plugin as fbiConfig }
