import { parseArgs } from 'node:util'
import { loadConfig } from '@fbi/config'
import { resolveConnection } from './connection-options.js'
import { startEmbedded } from './embedded.js'
import { FBI_DB_CLI_USAGE, FBI_DB_NOT_CONFIGURED } from './errors.js'
import { createMigration } from './migration-files.js'
import { type MigrationConnection, withMigrationSession } from './migration-session.js'
import { migrationStatus } from './migration-status.js'
import { DEFAULT_LOCK_TIMEOUT_MS, LOCK_WAIT_MESSAGE, recordBaseline, runMigrations } from './migrations.js'
import { clientConfig } from './pool-config.js'

export const USAGE = `Usage: fbi-db migrate <up|down|status|baseline|create <name>> [options]

  up                 apply pending migrations (all, or --count N)
  down               revert the last migration (or --count N)
  status             list applied and pending migrations; exit code 1 when behind
  baseline           take over a database Alembic migrated: record its schema as the starting point
                     (--to <name>: also mark the shipped migrations up to <name> as applied)
  create <name>      write a new migration file (--sql for plain SQL, else JavaScript)

Options:
  --dir <dir>                 migrations directory (default: migrations)
  --table <name>              migrations table (default: pgmigrations)
  --schema <name>             schema of the migrations table (default: public)
  --count <n>                 how many migrations to run
  --to <name>                 with baseline: the last shipped migration the existing schema already has
  --lock-timeout-ms <ms>      wait for another instance's migration lock (default: ${DEFAULT_LOCK_TIMEOUT_MS})
  --embedded-data-dir <dir>   migrate the embedded PGlite database kept in <dir> (development)
  --sql                       with create: a .sql migration

Connection: DATABASE_MIGRATIONS_URL when set (a direct connection, e.g. when DATABASE_URL is a
PgBouncer), else DATABASE_URL, or DATABASE_HOST, DATABASE_PORT, DATABASE_USER, DATABASE_PASSWORD,
DATABASE_NAME, read (and checked) by @fbi/config exactly as the service reads them. Migrations
refuse to run through a connection pooler.
`

export interface CliIo {
  out(line: string): void
  err(line: string): void
}

const consoleIo: CliIo = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
}

function positiveInt(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined
  const n = Number(value)
  if (!Number.isInteger(n) || n < 0) throw new FBI_DB_CLI_USAGE(`--${name} must be a non-negative integer`)
  return n
}

const COMMANDS = ['up', 'down', 'status', 'baseline']

/** The `fbi-db` command. Returns the exit code; never calls process.exit (so it is testable in-process). */
export async function main(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>> = process.env,
  io: CliIo = consoleIo,
): Promise<number> {
  try {
    const { values, positionals } = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        dir: { type: 'string', default: 'migrations' },
        table: { type: 'string' },
        schema: { type: 'string' },
        count: { type: 'string' },
        to: { type: 'string' },
        'lock-timeout-ms': { type: 'string' },
        'embedded-data-dir': { type: 'string' },
        sql: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    })
    if (values.help) {
      io.out(USAGE)
      return 0
    }
    const [group, command, name, ...extra] = positionals
    if (group !== 'migrate' || command === undefined || extra.length > 0) throw new FBI_DB_CLI_USAGE(USAGE)
    if (command === 'create') {
      if (name === undefined || !/^[\w-]+$/.test(name)) {
        throw new FBI_DB_CLI_USAGE('create needs a <name> of letters, digits, "_" or "-"')
      }
      const path = await createMigration(values.dir, name, values.sql ? 'sql' : 'js')
      io.out(`created ${path}`)
      return 0
    }
    if (name !== undefined || !COMMANDS.includes(command)) throw new FBI_DB_CLI_USAGE(USAGE)
    if (values.to !== undefined && command !== 'baseline')
      throw new FBI_DB_CLI_USAGE('--to goes with baseline')

    const count = positiveInt('count', values.count)
    const lockTimeoutMs = positiveInt('lock-timeout-ms', values['lock-timeout-ms'])
    const migrations = {
      dir: values.dir,
      ...(values.table === undefined ? {} : { table: values.table }),
      ...(values.schema === undefined ? {} : { schema: values.schema }),
      ...(lockTimeoutMs === undefined ? {} : { lockTimeoutMs }),
    }
    // The command prints its own results (a baseline, the migrations run) on stdout; a lock wait is
    // said on stderr.
    const log = {
      notice: () => {},
      lockWait: () => io.err(LOCK_WAIT_MESSAGE),
      debug: () => {},
      info: () => {},
      warn: io.err,
      error: io.err,
    }
    const dataDir = values['embedded-data-dir']
    const embedded = dataDir === undefined ? null : await startEmbedded({ dataDir })
    try {
      // The embedded PGlite is one session and nothing else is connected to it: nothing to check.
      const connection: MigrationConnection =
        embedded === null
          ? { kind: 'session', config: connectionFromEnv(env), verify: true }
          : { kind: 'session', config: { connectionString: embedded.connectionString }, verify: false }
      return await withMigrationSession(connection, async (client) => {
        if (command === 'status') {
          const status = await migrationStatus(client, migrations)
          if (status.alembicVersion !== null) io.out(`alembic  ${status.alembicVersion}`)
          for (const m of status.applied) io.out(`applied  ${m}`)
          for (const m of status.pending) io.out(`pending  ${m}`)
          if (status.baselineRequired) io.out('baseline required: fbi-db migrate baseline')
          return status.pending.length > 0 ? 1 : 0
        }
        if (command === 'baseline') {
          const baseline = await recordBaseline(client, {
            ...migrations,
            log,
            ...(values.to === undefined ? {} : { to: values.to }),
          })
          if (!baseline.recorded) {
            io.out('fbi history already present: nothing recorded')
            return 0
          }
          const on = baseline.alembicVersion === null ? '' : ` on Alembic version ${baseline.alembicVersion}`
          io.out(`baseline recorded${on}`)
          for (const m of baseline.marked) io.out(`marked   ${m}`)
          return 0
        }
        const ran = await runMigrations(client, {
          ...migrations,
          direction: command === 'down' ? 'down' : 'up',
          ...(count === undefined ? {} : { count }),
          log,
        })
        if (ran.length === 0) io.out('no migrations to run')
        for (const m of ran) io.out(`${command === 'down' ? 'reverted' : 'applied'} ${m.name}`)
        return 0
      })
    } finally {
      await embedded?.close()
    }
  } catch (err) {
    const e = (typeof err === 'object' && err !== null ? err : {}) as { code?: unknown; message?: unknown }
    io.err(typeof e.code === 'string' ? `${e.code}: ${String(e.message)}` : String(e.message ?? err))
    return e.code === 'FBI_DB_CLI_USAGE' || (err as { name?: unknown } | null)?.name === 'TypeError' ? 2 : 1
  }
}

function connectionFromEnv(env: Readonly<Record<string, string | undefined>>) {
  const config = loadConfig({ env, jwt: false, db: true })
  if (config.db?.configured !== true) {
    throw new FBI_DB_NOT_CONFIGURED(
      'the command line never starts an in-memory database; see --embedded-data-dir',
    )
  }
  const direct = config.db.migrationsUrl
  return clientConfig(resolveConnection(direct === undefined ? {} : { connectionString: direct }, config.db))
}
