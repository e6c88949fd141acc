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
 * A TCP proxy on 127.0.0.1 between a pool and PostgreSQL (or a pooler). `cut()` drops every
 * connection and refuses new ones (the database "stops" for this client only); `freeze()` keeps
 * every connection open and accepts new ones but passes no byte either way (a paused VM, stalled
 * storage: the TCP connection stays up, no answer comes); `restore()` undoes either: it listens
 * again on the same port, or lets the held bytes through. Lets a test fail the database without
 * touching a server others share.
 */
export interface TcpProxy {
  readonly port: number
  /** `target` with its host and port replaced by the proxy's. */
  url(target: string): string
  /** Whether the proxy is accepting connections (true while frozen). */
  readonly up: boolean
  /** Whether bytes are held (between `freeze()` and `restore()`). */
  readonly frozen: boolean
  /** How many client connections are open through the proxy. */
  readonly connections: number
  cut(): Promise<void>
  freeze(): void
  restore(): Promise<void>
  close(): Promise<void>
}

interface Pair {
  client: Socket
  upstream: Socket
}

export async function startTcpProxy(targetHost: string, targetPort: number): Promise<TcpProxy> {
  const pairs = new Set<Pair>()
  let server: Server | undefined
  let port = 0
  let up = false
  let frozen = false
  const flow = ({ client, upstream }: Pair) => {
    client.pipe(upstream)
    upstream.pipe(client)
  }
  const hold = ({ client, upstream }: Pair) => {
    client.unpipe(upstream)
    upstream.unpipe(client)
    client.pause()
    upstream.pause()
  }
  const listen = () =>
    new Promise<void>((resolve, reject) => {
      const s = createServer((client) => {
        const pair: Pair = { client, upstream: connect(targetPort, targetHost) }
        pairs.add(pair)
        const end = () => {
          pair.client.destroy()
          pair.upstream.destroy()
          pairs.delete(pair)
        }
        client.on('error', end).on('close', end)
        pair.upstream.on('error', end).on('close', end)
        if (frozen) hold(pair)
        else flow(pair)
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
      frozen = false
      for (const { client, upstream } of pairs) {
        client.destroy()
        upstream.destroy()
      }
      pairs.clear()
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
    get frozen() {
      return frozen
    },
    get connections() {
      return pairs.size
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
    freeze() {
      if (!up || frozen) return
      frozen = true
      for (const pair of pairs) hold(pair)
    },
    async restore() {
      if (frozen) {
        frozen = false
        for (const pair of pairs) flow(pair)
      }
      if (!up) await listen()
    },
    async close() {
      if (up) await stop()
    },
  }
}
