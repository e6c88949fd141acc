import type { FbiCompat } from '@fbi/config'
import type { FastifyInstance } from 'fastify'
import type { Pool } from 'pg'
import { reasonOf } from './db-errors.js'
import {
  FBI_DB_BASELINE_REQUIRED,
  FBI_DB_MIGRATIONS_BEHIND,
  FBI_DB_UNAVAILABLE,
  FBI_DB_VERSION_UNAVAILABLE,
} from './errors.js'
import type { MigrationStatus } from './migration-status.js'
import { withTimeout } from './timeout.js'

/** @fbi/monitoring's decorator, read by name: this package does not depend on monitoring. */
type AddHealthCheck = (
  name: string,
  check: () => unknown,
  opts?: { timeoutMs?: number; groups?: readonly ('liveness' | 'readiness' | 'startup')[] },
) => void

/** The checks' names: fbi's, or the original's (sqldb.database_connectivity_test / database_version_test). */
export const HEALTH_CHECK_NAMES = Object.freeze({
  fbi: Object.freeze({ database: 'database', version: 'migrations' }),
  flask: Object.freeze({ database: 'database_connectivity_test', version: 'database_version_test' }),
})

export interface HealthCheckSettings {
  timeoutMs: number
  compat: FbiCompat | null
  /** The migration status (shipped files when a migrations directory is configured), or undefined: no version check. */
  status: (() => Promise<MigrationStatus>) | undefined
}

function ownError(err: unknown, code: string): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === code
}

/**
 * The seed's database_connectivity_test and database_version_test on @fbi/monitoring when it is
 * there, under fbi's names ("database", "migrations") or, in compat mode, the original's. The
 * database joins readiness (no traffic without it); pending migrations join startup (a pod whose
 * schema is behind has not finished starting, and restarting a ready one would not migrate it).
 * Both are in the whole /healthcheck, as in the seed.
 */
export function registerHealthChecks(fastify: FastifyInstance, pool: Pool, opts: HealthCheckSettings): void {
  if (!fastify.hasDecorator('addHealthCheck')) return
  const addHealthCheck = fastify.getDecorator<AddHealthCheck>('addHealthCheck')
  const names = HEALTH_CHECK_NAMES[opts.compat === 'flask' ? 'flask' : 'fbi']
  const { timeoutMs } = opts
  // Our own timeout answers first with a clear message; monitoring's is only the backstop.
  const backstop = { timeoutMs: timeoutMs + 1000 }
  const readiness = { ...backstop, groups: ['readiness'] as const }
  const startup = { ...backstop, groups: ['startup'] as const }
  addHealthCheck(
    names.database,
    async () => {
      try {
        await withTimeout(
          pool.query('SELECT 1 AS running'),
          timeoutMs,
          () => new FBI_DB_UNAVAILABLE(`no answer within ${timeoutMs} ms`),
        )
      } catch (err) {
        throw ownError(err, 'FBI_DB_UNAVAILABLE') ? err : new FBI_DB_UNAVAILABLE(reasonOf(err))
      }
      return 'Database ok'
    },
    readiness,
  )
  const readStatus = opts.status
  if (readStatus === undefined) return
  addHealthCheck(
    names.version,
    async () => {
      let status: MigrationStatus
      try {
        status = await withTimeout(
          readStatus(),
          timeoutMs,
          () => new FBI_DB_VERSION_UNAVAILABLE(`no answer within ${timeoutMs} ms`),
        )
      } catch (err) {
        throw ownError(err, 'FBI_DB_VERSION_UNAVAILABLE')
          ? err
          : new FBI_DB_VERSION_UNAVAILABLE(reasonOf(err))
      }
      if (status.baselineRequired) throw new FBI_DB_BASELINE_REQUIRED(status.alembicVersion ?? 'unknown')
      if (status.pending.length > 0) {
        throw new FBI_DB_MIGRATIONS_BEHIND(status.pending.length, status.newest ?? 'unknown')
      }
      // fbi's last migration; before the first one, Alembic's version (a database taken over).
      return `Database version: ${status.current ?? status.alembicVersion ?? 'unknown'}`
    },
    startup,
  )
}
