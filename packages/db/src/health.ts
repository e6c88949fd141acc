import type { FastifyInstance } from 'fastify'
import { FBI_DB_MIGRATIONS_BEHIND, FBI_DB_UNAVAILABLE } from './errors.js'
import type { FbiDb } from './index.js'
import type { MigrationsOptions } from './migrations.js'

interface HealthCheckHost {
  addHealthCheck(name: string, check: () => unknown, opts?: { timeoutMs?: number }): void
}

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new FBI_DB_UNAVAILABLE(`no answer within ${ms} ms`)), ms)
  })
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer))
}

function reason(err: unknown): string {
  const { code, message } = (err ?? {}) as { code?: unknown; message?: unknown }
  // The code only, or a fixed phrase: driver messages can carry host and user names.
  if (typeof code === 'string') return code
  if (typeof message === 'string') {
    if (message.startsWith('Connection terminated')) return 'connection terminated'
    if (message.startsWith('timeout exceeded when trying to connect')) return 'connect timeout'
  }
  return 'connection error'
}

/** The seed's database_connectivity_test and database_version_test, on @fbi/monitoring when it is there. */
export function registerHealthChecks(
  fastify: FastifyInstance,
  db: FbiDb,
  opts: { timeoutMs: number; migrations: MigrationsOptions | undefined },
): void {
  if (!fastify.hasDecorator('addHealthCheck')) return
  const host = fastify as unknown as HealthCheckHost
  // Our own timeout answers first with a clear message; monitoring's is only the backstop.
  const backstop = { timeoutMs: opts.timeoutMs + 1000 }
  host.addHealthCheck(
    'database',
    async () => {
      try {
        await withTimeout(db.pool.query('SELECT 1 AS running'), opts.timeoutMs)
      } catch (err) {
        if ((err as { code?: unknown }).code === 'FBI_DB_UNAVAILABLE') throw err
        throw new FBI_DB_UNAVAILABLE(reason(err))
      }
      return 'Database ok'
    },
    backstop,
  )
  if (opts.migrations === undefined) return
  host.addHealthCheck(
    'migrations',
    async () => {
      let status: Awaited<ReturnType<FbiDb['migrationStatus']>>
      try {
        status = await withTimeout(db.migrationStatus(), opts.timeoutMs)
      } catch (err) {
        if ((err as { code?: unknown }).code === 'FBI_DB_UNAVAILABLE') throw err
        throw new FBI_DB_UNAVAILABLE(reason(err))
      }
      if (status.pending.length > 0) {
        throw new FBI_DB_MIGRATIONS_BEHIND(status.pending.length, status.newest ?? 'unknown')
      }
      return `Database version: ${status.current ?? 'none'}`
    },
    backstop,
  )
}
