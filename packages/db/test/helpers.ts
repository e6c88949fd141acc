import fbiConfig, { type FbiConfig } from '@fbi/config'
import fbiErrors from '@fbi/errors'
import Fastify, { type FastifyInstance } from 'fastify'
import pg from 'pg'
import { type TestContext, vi } from 'vitest'
import fbiDb, {
  type EmbeddedDatabase,
  type FbiDbOptions,
  type MigrationsOptions,
  startEmbedded,
} from '../src/index.js'
import { createTestDatabase as createRealTestDatabase, startTcpProxy, type TcpProxy } from '../src/testing.js'

// Every test here starts a database: PGlite's initdb alone takes seconds, far more on a loaded
// machine. The budget is for that start-up; no assertion depends on time.
vi.setConfig({ testTimeout: 90_000 })

/** The real server when FBI_TEST_DATABASE_URL is set (CI), else undefined: the tests use the embedded PGlite. */
export const REAL_URL = process.env.FBI_TEST_DATABASE_URL || undefined

/**
 * PgBouncer in transaction mode in front of that server (`.ci/pgbouncer.sh` prints it), e.g.
 * postgres://postgres@127.0.0.1:6432/test. When set, the tests that matter behind a pooler run a
 * second time through it.
 */
export const PGBOUNCER_URL = (REAL_URL && process.env.FBI_TEST_PGBOUNCER_URL) || undefined

/**
 * The pooler's URL, for the suites that exist only behind it (`*.postgres.test.ts`, which vitest runs
 * only against a real server): without it they fail, loudly, instead of passing by running nothing.
 */
export function requirePgBouncer(): string {
  if (PGBOUNCER_URL === undefined) {
    throw new TypeError(
      'FBI_TEST_PGBOUNCER_URL is not set: against a real server the pooler suites need PgBouncer (export FBI_TEST_PGBOUNCER_URL="$(.ci/pgbouncer.sh)")',
    )
  }
  return PGBOUNCER_URL
}

/** How the app reaches the database: directly, or through PgBouncer in transaction mode. */
export type Backend = 'direct' | 'pgbouncer'

/** The backends to run a `describe.each` over: direct always, PgBouncer when it is there. */
export const BACKENDS: readonly Backend[] = Object.freeze(
  PGBOUNCER_URL === undefined ? ['direct'] : ['direct', 'pgbouncer'],
)

export interface TestDatabase {
  /** URL the app connects to (through PgBouncer for that backend), or undefined for the embedded database. */
  url: string | undefined
  /** URL of the database on the server itself (migrations, assertions), or undefined for the embedded one. */
  directUrl: string | undefined
  /** The options the backend needs (`transactionPooler` behind PgBouncer). */
  options: FbiDbOptions
  /** Migration options for `dir` that work on this backend (a direct connection behind PgBouncer). */
  migrations(dir: string, extra?: Omit<MigrationsOptions, 'dir'>): MigrationsOptions
  drop(): Promise<void>
}

/** A database per test on the real server (dropped with FORCE at the end); the embedded PGlite otherwise. */
export async function createTestDatabase(label: string, backend: Backend = 'direct'): Promise<TestDatabase> {
  if (REAL_URL === undefined) {
    return {
      url: undefined,
      directUrl: undefined,
      options: {},
      migrations: (dir, extra) => ({ dir, ...extra }),
      drop: async () => {},
    }
  }
  const created = await createRealTestDatabase(REAL_URL, label)
  if (backend === 'direct') {
    return {
      ...created,
      directUrl: created.url,
      options: {},
      migrations: (dir, extra) => ({ dir, ...extra }),
    }
  }
  const pooled = new URL(PGBOUNCER_URL ?? '')
  pooled.pathname = new URL(created.url).pathname
  return {
    url: pooled.toString(),
    directUrl: created.url,
    options: { transactionPooler: true },
    migrations: (dir, extra) => ({ dir, ...extra, connectionString: created.url }),
    drop: () => created.drop(),
  }
}

export interface BuildOptions {
  env?: Record<string, string>
  db?: FbiDbOptions
  before?: (app: FastifyInstance) => void
  logger?: boolean | { level: string; stream: { write(line: string): void } }
  /** A ready-made configuration handed to @fbi/config instead of reading `env`. */
  config?: FbiConfig
  /** Turn on @fbi/config's jwt group (HS_KEY, PROXY_URL from `env`). Default: false. */
  jwt?: boolean
  /** Turn on @fbi/config's db group. Default: true. */
  configDb?: boolean
  /** @fbi/config's compat switch. Default: false. */
  compat?: 'flask' | false
}

/** config → errors → (before: monitoring, security) → db, as @fbi/all registers them. */
export function buildApp(url: string | undefined, opts: BuildOptions = {}): FastifyInstance {
  // PGlite's first start (initdb) takes seconds, more on a loaded machine: above Fastify's 10 s default.
  const app = Fastify({ logger: opts.logger ?? false, pluginTimeout: 60_000 })
  app.register(fbiConfig, {
    env: { ENVIRONMENT: 'DEVELOPMENT', ...(url === undefined ? {} : { DATABASE_URL: url }), ...opts.env },
    jwt: opts.jwt ?? false,
    db: opts.configDb ?? true,
    compat: opts.compat ?? false,
    ...(opts.config === undefined ? {} : { config: opts.config }),
  })
  app.register(fbiErrors)
  opts.before?.(app)
  // Nothing awaited (the instance is a thenable): a bad option or a failed start is a rejected ready().
  app.register(fbiDb, opts.db ?? {})
  return app
}

/** Collects pino lines, to assert on what the plugin logs. */
export function logCollector(): {
  lines: Record<string, unknown>[]
  logger: { level: string; stream: { write(line: string): void } }
} {
  const lines: Record<string, unknown>[] = []
  return {
    lines,
    logger: { level: 'info', stream: { write: (line: string) => lines.push(JSON.parse(line)) } },
  }
}

export type Proxy = TcpProxy
export const startProxy = startTcpProxy

/**
 * A database of this test reachable only through a TCP proxy the test can cut: a fresh database on
 * the real server, or a PGlite of its own. `url` goes through the proxy; everything is closed when
 * the test finishes. `embedded` tells the caller to keep the pool at one client (see README).
 */
export async function proxiedDatabase(
  ctx: TestContext,
  label: string,
  backend: Backend = 'direct',
): Promise<{ url: string; proxy: TcpProxy; embedded: boolean; database: TestDatabase }> {
  const database = await createTestDatabase(label, backend)
  ctx.onTestFinished(() => database.drop())
  let upstream = database.url
  let embedded: EmbeddedDatabase | undefined
  if (upstream === undefined) {
    embedded = await startEmbedded()
    ctx.onTestFinished(() => embedded?.close())
    upstream = embedded.connectionString
  }
  const target = new URL(upstream)
  const proxy = await startProxy(target.hostname, Number(target.port))
  ctx.onTestFinished(() => proxy.close())
  return { url: proxy.url(upstream), proxy, embedded: embedded !== undefined, database }
}

/** Runs `sql` (several statements allowed) on a connection of its own to `url`, e.g. a database's direct URL. */
export async function runSql(url: string, sql: string): Promise<pg.QueryResult[]> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    const result = await client.query(sql)
    return Array.isArray(result) ? result : [result]
  } finally {
    await client.end()
  }
}
