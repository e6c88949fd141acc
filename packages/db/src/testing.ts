/**
 * @fbi/db/testing: helpers for tests that need a database of their own or a database that can
 * "go down". Loopback only; never use in production code.
 */
import { randomBytes } from 'node:crypto'
import { connect, createServer, type Server, type Socket } from 'node:net'
import pg from 'pg'

export interface TestDatabase {
  /** URL of the new database. */
  readonly url: string
  /** Drop it (WITH (FORCE): open connections are ended). */
  drop(): Promise<void>
}

/**
 * Create a fresh database on a shared server (isolation for a test file: tables, the migrations
 * table and node-pg-migrate's advisory lock are all per database). `adminUrl` is any database of
 * that server, e.g. postgres://postgres@127.0.0.1:5432/test.
 */
export async function createTestDatabase(adminUrl: string, label = 'test'): Promise<TestDatabase> {
  const name = `fbi_db_${label.replace(/\W/g, '_')}_${randomBytes(4).toString('hex')}`
  const admin = new pg.Client({ connectionString: adminUrl })
  await admin.connect()
  try {
    await admin.query(`CREATE DATABASE ${pg.escapeIdentifier(name)}`)
  } finally {
    await admin.end()
  }
  const url = new URL(adminUrl)
  url.pathname = `/${name}`
  return {
    url: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: adminUrl })
      await c.connect()
      try {
        await c.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`)
      } finally {
        await c.end()
      }
    },
  }
}

/**
 * A TCP proxy on 127.0.0.1 between a pool and PostgreSQL: `cut()` drops every connection and
 * refuses new ones (the database "stops" for this client only), `restore()` listens again on the
 * same port. Lets a test stop the database without touching a server others share.
 */
export interface TcpProxy {
  readonly port: number
  /** `target` with its host and port replaced by the proxy's. */
  url(target: string): string
  /** Whether the proxy is accepting connections. */
  readonly up: boolean
  cut(): Promise<void>
  restore(): Promise<void>
  close(): Promise<void>
}

export async function startTcpProxy(targetHost: string, targetPort: number): Promise<TcpProxy> {
  const sockets = new Set<Socket>()
  let server: Server | undefined
  let port = 0
  let up = false
  const listen = () =>
    new Promise<void>((resolve, reject) => {
      const s = createServer((client) => {
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
      s.once('error', reject)
      s.listen(port, '127.0.0.1', () => {
        const address = s.address()
        if (address !== null && typeof address === 'object') port = address.port
        server = s
        up = true
        resolve()
      })
    })
  const stop = () =>
    new Promise<void>((resolve) => {
      up = false
      for (const s of sockets) s.destroy()
      sockets.clear()
      if (server === undefined) return resolve()
      server.close(() => resolve())
    })
  await listen()
  return {
    get port() {
      return port
    },
    get up() {
      return up
    },
    url(target: string) {
      const u = new URL(target)
      u.hostname = '127.0.0.1'
      u.port = String(port)
      return u.toString()
    },
    async cut() {
      if (up) await stop()
    },
    async restore() {
      if (!up) await listen()
    },
    async close() {
      if (up) await stop()
    },
  }
}
