import { fileURLToPath } from 'node:url'
import fbi, { fbiServerOptions } from '@fbi/all'
import { type FbiConfig, loadConfig } from '@fbi/config'
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify'
import pg from 'pg'
import { patientRoutes } from './patients.js'

// A DATE column is a calendar day, not an instant: keep it as the 'YYYY-MM-DD' text PostgreSQL
// sends instead of pg's default, a Date at local midnight that shifts with the server's time zone.
pg.types.setTypeParser(pg.types.builtins.DATE, (value) => value)

const serviceRoot = fileURLToPath(new URL('..', import.meta.url))

/** The development defaults (`ENVIRONMENT=DEVELOPMENT`, a public HS_KEY…); real variables win over them. */
export const ENV_FILE = `${serviceRoot}.env.development`

export interface BuildOptions {
  /** Environment variables; default process.env. */
  env?: Record<string, string | undefined>
  /** Fastify's logger option (a stream for tests). Default: fbi's logger, info, on stdout. */
  logger?: FastifyServerOptions['logger']
}

/**
 * The service's configuration, read once: for the logger (LOG_LEVEL, LOG_FORMAT, ENVIRONMENT) and the
 * batteries alike, so the development file counts for both. Throws FBI_CONFIG_INVALID naming every problem.
 */
export function loadServiceConfig(options: BuildOptions = {}): FbiConfig {
  return loadConfig({ env: options.env ?? process.env, dotenv: { path: ENV_FILE }, db: true })
}

/** The Fastify instance, with fbi's server options and its logger, nothing registered yet. */
export function createServer(config: FbiConfig, options: BuildOptions = {}): FastifyInstance {
  // The embedded PostgreSQL (WebAssembly) can take longer than Fastify's default 10 s plugin timeout
  // to start on a small, busy machine.
  const serverOptions =
    options.logger === undefined
      ? fbiServerOptions({ logger: true, config })
      : { ...fbiServerOptions(), logger: options.logger }
  return Fastify({ ...serverOptions, pluginTimeout: 120_000 })
}

/** Every fbi battery, migrations applied at start-up, the patients routes. */
export async function registerService(app: FastifyInstance, config: FbiConfig): Promise<void> {
  await app.register(fbi, {
    config,
    openapi: { info: { title: 'Patients service', version: '0.1.0' } },
    security: { requireProtection: true },
    db: {
      migrations: { dir: `${serviceRoot}migrations`, migrateOnStart: true },
      embedded: { dataDir: process.env.PATIENTS_DATA_DIR },
    },
  })
  await app.register(patientRoutes)
}

/** The patients service, ready to listen. */
export async function buildApp(options: BuildOptions = {}): Promise<FastifyInstance> {
  const config = loadServiceConfig(options)
  const app = createServer(config, options)
  await registerService(app, config)
  return app
}
