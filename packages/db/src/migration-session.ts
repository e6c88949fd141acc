import { randomBytes } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import { PG_MIGRATE_LOCK_ID } from 'node-pg-migrate'
import pg, { type ClientBase, type ClientConfig, type Pool } from 'pg'
import {
  FBI_DB_MIGRATION_ABORTED,
  FBI_DB_MIGRATION_LOCKED,
  FBI_DB_MIGRATIONS_NEED_SESSION,
} from './errors.js'

/**
 * Where migrations run. They need a session (node-pg-migrate's advisory lock, then one transaction
 * per migration, then the unlock, all on the same server connection), which a transaction pooler
 * does not give: there the lock would be taken on one server connection and released on another.
 */
export type MigrationConnection =
  /** The embedded PGlite: its one pooled client is the one session there is. */
  | { readonly kind: 'pool'; readonly pool: Pool }
  /** A connection of its own, checked to be a session before anything runs on it. */
  | { readonly kind: 'session'; readonly config: ClientConfig; readonly verify: boolean }
  /** Known not to be a session (the main URL is a declared transaction pooler): refused without connecting. */
  | { readonly kind: 'refused'; readonly reason: string }

/**
 * Whether the server connection running this statement is the one our start-up packet opened:
 * PostgreSQL reports a start-up parameter with source 'client'. A pooler opens its server
 * connections with start-up packets of its own and replays a client's application_name with SET
 * (source 'session', PgBouncer) or not at all, so a unique name seen with source 'client' proves
 * there is no pooler between us and the server, whatever its mode or settings. A plain TCP proxy
 * forwards the packet and passes, as it should.
 */
async function isOwnSession(client: ClientBase, applicationName: string): Promise<boolean> {
  const { rows } = await client.query<{ own: boolean }>(
    "SELECT setting = $1 AND source = 'client' AS own FROM pg_settings WHERE name = 'application_name'",
    [applicationName],
  )
  return rows[0]?.own === true
}

/** Runs `work` on a session for migrations, and closes or releases it after (destroying it on failure). */
export async function withMigrationSession<T>(
  connection: MigrationConnection,
  work: (client: ClientBase) => Promise<T>,
): Promise<T> {
  if (connection.kind === 'refused') throw new FBI_DB_MIGRATIONS_NEED_SESSION(connection.reason)
  if (connection.kind === 'pool') {
    const client = await connection.pool.connect()
    let failed = false
    try {
      return await work(client)
    } catch (err) {
      failed = true
      throw err
    } finally {
      // node-pg-migrate leaves a failed migration's transaction open (it expects to close its own
      // connection), so the lock cannot be released on it: such a client must never go back to
      // the pool. Destroying it ends the session, which rolls back and unlocks.
      client.release(failed)
    }
  }
  const applicationName = `fbi-db migrations ${randomBytes(6).toString('hex')}`
  const client = new pg.Client({ ...connection.config, application_name: applicationName, keepAlive: true })
  // A connection lost between two statements fails the next statement instead of the process.
  client.on('error', () => {})
  await client.connect()
  try {
    if (connection.verify && !(await isOwnSession(client, applicationName))) {
      throw new FBI_DB_MIGRATIONS_NEED_SESSION(
        'this connection goes through a connection pooler: the server did not receive our start-up packet',
      )
    }
    // Migrations (index builds, data moves) may take longer than a request: no statement timeout,
    // not even a role-level default meant for request traffic. Safe: this connection is a session.
    await client.query('SET statement_timeout = 0')
    return await work(client)
  } finally {
    // Ending the session rolls back a failed migration's open transaction and releases the lock.
    await client.end()
  }
}

/** Resolves after `ms`, or at once when `signal` aborts (the caller then looks at `signal.aborted`). */
function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return sleep(ms, undefined, { signal }).catch(() => {})
}

/**
 * node-pg-migrate's advisory lock, by the id it exports (so its own CLI and fbi exclude each other),
 * taken by us with pg_try_advisory_lock and retried 100–250 ms apart until `timeoutMs`; the runner
 * then runs with `noLock`. Two instances starting together apply each migration exactly once.
 * `onWait` is told once, when the first try finds the lock taken; an aborted `signal` (the instance
 * is told to stop while it waits) ends the wait with FBI_DB_MIGRATION_ABORTED.
 */
export async function acquireMigrationLock(
  client: ClientBase,
  timeoutMs: number,
  onWait: () => void,
  signal?: AbortSignal,
): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (let attempt = 0; ; attempt++) {
    if (signal?.aborted === true) throw new FBI_DB_MIGRATION_ABORTED()
    const { rows } = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1) AS locked', [
      PG_MIGRATE_LOCK_ID,
    ])
    if (rows[0]?.locked === true) return
    if (Date.now() >= deadline) throw new FBI_DB_MIGRATION_LOCKED(timeoutMs)
    if (attempt === 0) onWait()
    await pause(100 + Math.floor(Math.random() * 150), signal)
  }
}

export async function releaseMigrationLock(client: ClientBase): Promise<void> {
  await client.query('SELECT pg_advisory_unlock($1)', [PG_MIGRATE_LOCK_ID])
}
