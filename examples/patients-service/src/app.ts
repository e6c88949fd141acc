import { fileURLToPath } from 'node:url'
import fbi, { fbiServerOptions } from '@fbi/all'
import { loadConfig } from '@fbi/config'
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify'
import pg from 'pg'
import { patientRoutes } from './patients.js'

// A DATE column is a calendar day, not an instant: keep it as the 'YYYY-MM-DD' text PostgreSQL
// sends instead of pg's default, a Date at local midnight that shifts with the server's time zone.
pg.types.setTypeParser(pg.types.builtins.DATE, (value) => value)

const serviceRoot = fileURLToPath(new URL('..', import.meta.url))

export interface BuildOptions {
  /** Environment variables; default process.env. */
  env?: Record<string, string | undefined>
  /** Fastify's logger option (a stream for tests). Default: fbi's logger, info, on stdout. */
  logger?: FastifyServerOptions['logger']
}

/** The patients service: every fbi battery, migrations applied at start-up, the patients routes. */
export async function buildApp(options: BuildOptions = {}): Promise<FastifyInstance> {
  // Read once, for the logger (LOG_LEVEL, LOG_FORMAT, ENVIRONMENT) and the batteries alike, so the
  // development file counts for both.
  const config = loadConfig({
    env: options.env ?? process.env,
    dotenv: { path: `${serviceRoot}.env.development` },
    db: true,
  })
  // The embedded PostgreSQL (WebAssembly) can take longer than Fastify's default 10 s plugin timeout
  // to start on a small, busy machine.
  const serverOptions =
    options.logger === undefined
      ? fbiServerOptions({ logger: true, config })
      : { ...fbiServerOptions(), logger: options.logger }
  const app = Fastify({ ...serverOptions, pluginTimeout: 120_000 })
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
  return app
}
