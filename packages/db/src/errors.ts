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

/** No database configured and the embedded PostgreSQL's optional packages are not installed. */
export const FBI_DB_EMBEDDED_NOT_INSTALLED = createError<[string, Cause?]>(
  'FBI_DB_EMBEDDED_NOT_INSTALLED',
  'No database configured, and the embedded PostgreSQL is not installed (%s): set DATABASE_URL, or install it for development with `npm install --save-dev @electric-sql/pglite@0.5.14 @electric-sql/pglite-socket@0.2.17`',
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

/** The app started closing (SIGTERM while starting) while waiting for another instance's migration lock. */
export const FBI_DB_MIGRATION_ABORTED = createError(
  'FBI_DB_MIGRATION_ABORTED',
  'Stopped waiting for the migration lock: the service is shutting down',
  503,
)
/** Another instance held the migration lock for longer than `migrations.lockTimeoutMs`. */
export const FBI_DB_MIGRATION_LOCKED = createError<[number]>(
  'FBI_DB_MIGRATION_LOCKED',
  'Migration lock not obtained within %d ms: another instance is migrating',
  503,
)

/** The "database" health check failed (the original's wording, with a code instead of the driver's message). */
export const FBI_DB_UNAVAILABLE = createError<[string]>(
  'FBI_DB_UNAVAILABLE',
  'Database not available. Reason: %s',
  503,
)

/** The "migrations" health check could not read the database's version (the original's wording). */
export const FBI_DB_VERSION_UNAVAILABLE = createError<[string]>(
  'FBI_DB_VERSION_UNAVAILABLE',
  'Database version not available. Reason: %s',
  503,
)

/** The database has an Alembic history and no fbi history yet, and pending migrations: it needs a baseline first. */
export const FBI_DB_BASELINE_REQUIRED = createError<[string]>(
  'FBI_DB_BASELINE_REQUIRED',
  'Database is managed by Alembic (version %s) and has no fbi migrations yet: run `fbi-db migrate baseline` or set migrations.baseline',
  503,
)

/** Migrations were asked to run over a connection that is not a session of its own (a connection pooler). */
export const FBI_DB_MIGRATIONS_NEED_SESSION = createError<[string]>(
  'FBI_DB_MIGRATIONS_NEED_SESSION',
  'Migrations need a direct connection to PostgreSQL (%s): point migrations.connectionString (DATABASE_MIGRATIONS_URL for fbi-db) at the server itself',
  500,
)

/** An INSERT … RETURNING gave no row: a trigger or a row-level security policy skipped the write. */
export const FBI_DB_NO_ROW_RETURNED = createError<[string]>(
  'FBI_DB_NO_ROW_RETURNED',
  'INSERT into %s returned no row (skipped by a trigger or a row-level security policy)',
  500,
)

/** User code (a transaction's function, a migration) threw or rejected with something that is not an Error. */
export const FBI_DB_NOT_AN_ERROR = createError<[string, Cause?]>(
  'FBI_DB_NOT_AN_ERROR',
  'Failed with a value that is not an Error: %s',
  500,
)

/** The "migrations" health check failed: migration files shipped with the service are not applied. */
export const FBI_DB_MIGRATIONS_BEHIND = createError<[number, string]>(
  'FBI_DB_MIGRATIONS_BEHIND',
  'Database migrations behind: %d pending, newest is %s',
  503,
)

/** The `fbi-db` command line was used wrongly. */
export const FBI_DB_CLI_USAGE = createError<[string]>('FBI_DB_CLI_USAGE', '%s', 400)
