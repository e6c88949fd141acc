import fbiConfig, { type FbiConfig, type LoadConfigOptions } from '@fbi/config'
import type { FbiDbOptions } from '@fbi/db'
import fbiErrors, { type FbiErrorsOptions } from '@fbi/errors'
import fbiMonitoring, { type FbiMonitoringOptions } from '@fbi/monitoring'
import type { FbiOpenApiOptions, FbiSchemaOptions } from '@fbi/schema'
import fbiSchema from '@fbi/schema/plugin'
import fbiSecurity, { type FbiSecurityOptions } from '@fbi/security'
import type { FastifyPluginAsync } from 'fastify'
import fp from 'fastify-plugin'
import { type BatterySwitch, batteryOptions } from './battery-options.js'

import { FBI_ALL_INVALID_OPTION } from './errors.js'
import { type AllTracingOptions, loadTracing } from './tracing-battery.js'

/**
 * The Fastify server options fbi needs but a plugin cannot set: one log line per request instead of
 * Fastify's two, X-Request-ID as the request id, and (with `logger`) Fastify's logger writing through
 * fbi's log destination (a turn's lines in one write). `Fastify(fbiServerOptions({ logger: true }))`.
 */
export { monitoringServerOptions as fbiServerOptions } from '@fbi/monitoring'
export type { BatterySwitch } from './battery-options.js'
export { FBI_ALL_INVALID_OPTION, FBI_ALL_TRACING_NOT_INSTALLED } from './errors.js'
export type { AllTracingOptions } from './tracing-battery.js'

/**
 * Every battery in one options object. `env`, `dotenv`, `jwt`, `auth0`, `customAuth0`, `epr` and
 * `compat` go to @fbi/config (every battery reads `compat` from `app.config`); each battery takes
 * false (off), true (its defaults) or its own options.
 */
export interface FbiOptions extends Omit<LoadConfigOptions, 'db' | 'tracing'> {
  /**
   * A configuration `loadConfig` (@fbi/config) already returned, used instead of reading the
   * variables again: load it once and give it to `fbiServerOptions({ logger, config })` too, so the
   * logger sees LOG_LEVEL and LOG_FORMAT from the same place (a `.env` file included). Load it with
   * the groups the batteries need (`db: true` with the db battery). Default: undefined (read now).
   */
  config?: FbiConfig
  /** One `{ code, message }` error shape. Default: true. */
  errors?: BatterySwitch<FbiErrorsOptions>
  /** Probes, metrics, request log and id, ETags, deprecations, graceful shutdown. Default: true. */
  monitoring?: BatterySwitch<FbiMonitoringOptions>
  /** TypeBox validation, timestamps, strict bodies. Default: true. */
  schema?: BatterySwitch<Omit<FbiSchemaOptions, 'openapi'>>
  /** The OpenAPI document and /docs (part of @fbi/schema). Default: true when schema is on. */
  openapi?: BatterySwitch<FbiOpenApiOptions>
  /** JWT verification and `config.protect`. Default: on when `jwt` is (as in the seed). */
  security?: BatterySwitch<FbiSecurityOptions>
  /** PostgreSQL; also turns on @fbi/config's db variable group. Default: false. */
  db?: BatterySwitch<FbiDbOptions>
  /**
   * OpenTelemetry tracing (@fbi/tracing, an optional peer dependency): registered, and imported,
   * only when an OTLP endpoint is configured (OTEL_* variables); false never loads it. Default: true.
   */
  tracing?: BatterySwitch<AllTracingOptions>
}

const fbiAll: FastifyPluginAsync<FbiOptions> = async (fastify, opts) => {
  const { env, dotenv, jwt, auth0, customAuth0, epr, compat, config } = opts
  const errors = batteryOptions('errors', opts.errors, true)
  const monitoring = batteryOptions('monitoring', opts.monitoring, true)
  const schema = batteryOptions('schema', opts.schema, true)
  const openapi = batteryOptions('openapi', opts.openapi, schema !== null)
  if (openapi && !schema)
    throw new FBI_ALL_INVALID_OPTION('openapi', 'needs the schema battery, which is off')
  const security = batteryOptions('security', opts.security, jwt !== false)
  const db = batteryOptions('db', opts.db, false)
  const tracing = batteryOptions('tracing', opts.tracing, true)

  // The order matters: config before them all, errors before anything can fail a request, schema's
  // OpenAPI before any route is added (@fastify/swagger only sees routes added after it, and the
  // monitoring routes belong in the document), monitoring before the batteries that register
  // health checks with it. Tracing comes right after config: its request span starts before any
  // other hook and it sees every route (to leave monitoring's out), and @fbi/db builds its pool
  // with it.
  await fastify.register(fbiConfig, {
    env,
    dotenv,
    jwt,
    auth0,
    customAuth0,
    epr,
    compat,
    db: db !== null,
    tracing: tracing !== null,
    ...(config === undefined ? {} : { config }),
  })
  if (tracing && fastify.config.tracing?.enabled) await fastify.register(await loadTracing(), tracing)
  if (errors) await fastify.register(fbiErrors, errors)
  if (schema) await fastify.register(fbiSchema, { ...schema, openapi: openapi ?? false })
  if (monitoring) await fastify.register(fbiMonitoring, monitoring)
  if (security) await fastify.register(fbiSecurity, security)
  // Imported only when on: a service without a database loads neither pg nor the migrations tool.
  if (db) await fastify.register((await import('@fbi/db')).default, db)
}

const plugin = fp(fbiAll, { name: '@fbi/all', fastify: '5.x' })
export default plugin
export { plugin as fbiAll }
