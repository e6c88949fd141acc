import createError from '@fastify/error'

/** A trailing `{ cause }` argument: @fastify/error sets it as the error's `cause`. */
export interface Cause {
  cause: unknown
}

/** An option passed to the plugin (or a value given to a helper) is invalid. */
export const FBI_DB_INVALID_OPTION = createError<[string, string]>(
  'FBI_DB_INVALID_OPTION',
  "Invalid option '%s': %s",
  500,
  TypeError,
)

/** No database is configured and the embedded fallback is not allowed (production, or `embedded: false`). */
export const FBI_DB_NOT_CONFIGURED = createError<[string]>(
  'FBI_DB_NOT_CONFIGURED',
  'No database configured: set DATABASE_URL or DATABASE_HOST (%s)',
  500,
)

/** The embedded PostgreSQL (PGlite) could not be started. */
export const FBI_DB_EMBEDDED_FAILED = createError<[string, Cause?]>(
  'FBI_DB_EMBEDDED_FAILED',
  'Embedded PostgreSQL failed: %s',
  500,
)

/** A helper that needs migrations was called without a migrations directory. */
export const FBI_DB_MIGRATIONS_NOT_CONFIGURED = createError(
  'FBI_DB_MIGRATIONS_NOT_CONFIGURED',
  'No migrations directory configured: pass the `migrations: { dir }` option',
  500,
)

/** Running the migrations failed; the original error is the `cause`. */
export const FBI_DB_MIGRATION_FAILED = createError<[string, Cause?]>(
  'FBI_DB_MIGRATION_FAILED',
  'Migration failed: %s',
  500,
)

/** Another instance held the migration lock for longer than `migrations.lockTimeoutMs`. */
export const FBI_DB_MIGRATION_LOCKED = createError<[number]>(
  'FBI_DB_MIGRATION_LOCKED',
  'Migration lock not obtained within %d ms: another instance is migrating',
  503,
)

/** The "database" health check failed. */
export const FBI_DB_UNAVAILABLE = createError<[string]>(
  'FBI_DB_UNAVAILABLE',
  'Database not available: %s',
  503,
)

/** The "migrations" health check failed: migration files shipped with the service are not applied. */
export const FBI_DB_MIGRATIONS_BEHIND = createError<[number, string]>(
  'FBI_DB_MIGRATIONS_BEHIND',
  'Database migrations behind: %d pending, newest is %s',
  503,
)

/** The `fbi-db` command line was used wrongly. */
export const FBI_DB_CLI_USAGE = createError<[string]>('FBI_DB_CLI_USAGE', '%s', 400)
