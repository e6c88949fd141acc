import { randomBytes } from 'node:crypto'
import { connect, createServer, type Server, type Socket } from 'node:net'
import fbiConfig, { type FbiConfig } from '@fbi/config'
import fbiErrors from '@fbi/errors'
import Fastify, { type FastifyInstance } from 'fastify'
import pg from 'pg'
import { vi } from 'vitest'
import fbiDb, { type FbiDbOptions } from '../src/index.js'

// Every test here starts a database: PGlite's initdb alone takes seconds, far more on a loaded
// machine. The budget is for that start-up; no assertion depends on time.
vi.setConfig({ testTimeout: 90_000 })

/** The real server when FBI_TEST_DATABASE_URL is set (CI), else undefined: the tests use the embedded PGlite. */
export const REAL_URL = process.env.FBI_TEST_DATABASE_URL || undefined

export interface TestDatabase {
  /** URL of a fresh database of this test file on the real server, or undefined for the embedded one. */
  url: string | undefined
  drop(): Promise<void>
}

/**
 * Isolation on the shared server: a database per test file (advisory locks, the migrations table
 * and every table are then private to it), dropped at the end with FORCE.
 */
export async function createTestDatabase(label: string): Promise<TestDatabase> {
  if (REAL_URL === undefined) return { url: undefined, drop: async () => {} }
  const name = `fbi_db_${label}_${randomBytes(4).toString('hex')}`
  const admin = new pg.Client({ connectionString: REAL_URL })
  await admin.connect()
  try {
    await admin.query(`CREATE DATABASE ${pg.escapeIdentifier(name)}`)
  } finally {
    await admin.end()
  }
  const url = new URL(REAL_URL)
  url.pathname = `/${name}`
  return {
    url: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: REAL_URL })
      await c.connect()
      try {
        await c.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`)
      } finally {
        await c.end()
      }
    },
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

/**
 * A TCP proxy between the pool and PostgreSQL, so a test can "stop the database" (cut every
 * connection and refuse new ones) without touching the server other test files share.
 */
export interface Proxy {
  readonly port: number
  readonly url: (target: string) => string
  cut(): Promise<void>
  restore(): Promise<void>
  close(): Promise<void>
}

export async function startProxy(targetHost: string, targetPort: number): Promise<Proxy> {
  const sockets = new Set<Socket>()
  let server: Server
  let port = 0
  const listen = () =>
    new Promise<void>((resolve, reject) => {
      server = createServer((client) => {
        const upstream = connect(targetPort, targetHost)
        sockets.add(client)
        sockets.add(upstream)
        const end = () => {
          client.destroy()
          upstream.destroy()
          sockets.delete(client)
          sockets.delete(upstream)
        }
        client.on('error', end).on('close', end)
        upstream.on('error', end).on('close', end)
        client.pipe(upstream)
        upstream.pipe(client)
      })
      server.once('error', reject)
      server.listen(port, '127.0.0.1', () => {
        const address = server.address()
        if (address !== null && typeof address === 'object') port = address.port
        resolve()
      })
    })
  const stop = () =>
    new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy()
      sockets.clear()
      server.close(() => resolve())
    })
  await listen()
  let up = true
  return {
    get port() {
      return port
    },
    url(target: string) {
      const u = new URL(target)
      u.hostname = '127.0.0.1'
      u.port = String(port)
      return u.toString()
    },
    async cut() {
      if (!up) return
      up = false
      await stop()
    },
    async restore() {
      if (up) return
      await listen()
      up = true
    },
    async close() {
      if (up) await stop()
      up = false
    },
  }
}
