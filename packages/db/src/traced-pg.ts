import type { FastifyInstance } from 'fastify'
import pg from 'pg'

/** What @fbi/tracing decorates an app with, as far as @fbi/db uses it. */
interface PgTracing {
  tracePg(pgModule: typeof pg): typeof pg
}

/**
 * The pg module the pool is built with: pg itself, or, when @fbi/tracing is registered and on, pg
 * whose pool and clients make a span per query. Read through `getDecorator`, so @fbi/db depends
 * neither on @fbi/tracing nor on OpenTelemetry, and a service that does not trace loads neither.
 */
export function poolPgModule(fastify: FastifyInstance): typeof pg | undefined {
  if (!fastify.hasDecorator('tracing')) return undefined
  return fastify.getDecorator<PgTracing | null>('tracing')?.tracePg(pg) ?? undefined
}
