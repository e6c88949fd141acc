import type { FastifyPluginAsync } from 'fastify'
import fp from 'fastify-plugin'
import { type LoadConfigOptions, loadConfig } from './load-config.js'
import type { FbiConfig } from './types.js'

export { isNonProduction, isProduction } from './environment.js'
export { FBI_CONFIG_INVALID, FBI_CONFIG_INVALID_OPTION } from './errors.js'
export { type ConfigFor, type LoadConfigOptions, loadConfig } from './load-config.js'
export type { ConfigProblem } from './problems.js'
export * from './types.js'
export { VARIABLES, type VariableSpec } from './variables.js'

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
  const { config, ...loadOptions } = opts
  fastify.decorate('config', config ?? loadConfig(loadOptions))
}

const plugin = fp(fbiConfig, {
  name: '@fbi/config',
  fastify: '5.x',
})
export default plugin
export { plugin as fbiConfig }
