import fbiConfig, { type FbiConfig } from '@fbi/config'
import fbiErrors from '@fbi/errors'
import Fastify, { type FastifyInstance } from 'fastify'
import { type TestContext, vi } from 'vitest'
import fbiDb, { type EmbeddedDatabase, type FbiDbOptions, startEmbedded } from '../src/index.js'
import { createTestDatabase as createRealTestDatabase, startTcpProxy, type TcpProxy } from '../src/testing.js'

// Every test here starts a database: PGlite's initdb alone takes seconds, far more on a loaded
// machine. The budget is for that start-up; no assertion depends on time.
vi.setConfig({ testTimeout: 90_000 })

/** The real server when FBI_TEST_DATABASE_URL is set (CI), else undefined: the tests use the embedded PGlite. */
export const REAL_URL = process.env.FBI_TEST_DATABASE_URL || undefined

export interface TestDatabase {
  /** URL of a fresh database of this test on the real server, or undefined for the embedded one. */
  url: string | undefined
  drop(): Promise<void>
}

/** A database per test on the real server (dropped with FORCE at the end); the embedded PGlite otherwise. */
export async function createTestDatabase(label: string): Promise<TestDatabase> {
  if (REAL_URL === undefined) return { url: undefined, drop: async () => {} }
  return createRealTestDatabase(REAL_URL, label)
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
}

/** config → errors → (before: monitoring, security) → db, as @fbi/all registers them. */
export function buildApp(url: string | undefined, opts: BuildOptions = {}): FastifyInstance {
  // PGlite's first start (initdb) takes seconds, more on a loaded machine: above Fastify's 10 s default.
  const app = Fastify({ logger: opts.logger ?? false, pluginTimeout: 60_000 })
  app.register(fbiConfig, {
    env: { ENVIRONMENT: 'DEVELOPMENT', ...(url === undefined ? {} : { DATABASE_URL: url }), ...opts.env },
    jwt: opts.jwt ?? false,
    db: opts.configDb ?? true,
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
): Promise<{ url: string; proxy: TcpProxy; embedded: boolean }> {
  const database = await createTestDatabase(label)
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
  return { url: proxy.url(upstream), proxy, embedded: embedded !== undefined }
}
