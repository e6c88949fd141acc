import { execFile } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync, readdirSync } from 'node:fs'
import { createServer } from 'node:net'
import { promisify } from 'node:util'
import { mintHsToken } from '@fbi/security/testing'
import Fastify, { type FastifyInstance, type LightMyRequestResponse } from 'fastify'
import pg from 'pg'
import { describe, expect, it, type TestContext, vi } from 'vitest'
import fbiAll, { fbiServerOptions } from '../src/index.js'

/*
 * PostgreSQL stopped in the middle of a stream of writes, then started again, through an app built
 * with @fbi/all. With FBI_TEST_DATABASE_URL (CI, a real server) the database is a private cluster
 * made for this file with Debian's postgresql-common tools, so stopping it disturbs no one; without
 * it, the embedded PGlite's socket server is stopped and started. Clients must see only 201 or 503,
 * the service must recover by itself, and every write acknowledged with 201 must be stored.
 */

const run = promisify(execFile)
const HS_KEY = 'hardening-restart-test-key-0123456789abcdef'
const PROXY_URL = 'http://localhost'
const DOWN = { code: 503, message: 'Database connection failed: Service unavailable' }
const CLUSTER_PREFIX = 'fbi_hardening_'

vi.setConfig({ testTimeout: 180_000 })

function pgVersion(): string | undefined {
  if (!existsSync('/usr/bin/pg_createcluster') || !existsSync('/usr/lib/postgresql')) return undefined
  if (typeof process.getuid === 'function' && process.getuid() !== 0) return undefined
  const versions = readdirSync('/usr/lib/postgresql')
    .filter((v) => /^\d+$/.test(v))
    .sort((a, b) => Number(b) - Number(a))
  return versions[0]
}

const REAL = Boolean(process.env.FBI_TEST_DATABASE_URL)
const VERSION = REAL ? pgVersion() : undefined
const BACKEND = VERSION === undefined ? 'embedded PGlite' : `private PostgreSQL ${VERSION} cluster`

async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  await new Promise<void>((resolve) => server.close(() => resolve()))
  if (address === null || typeof address !== 'object') throw new TypeError('no port')
  return address.port
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

/** Clusters an earlier, killed run of this file left behind (their process is gone). */
async function dropStaleClusters(version: string): Promise<void> {
  const { stdout } = await run('pg_lsclusters', ['-h'], { timeout: 30_000 })
  for (const line of stdout.split('\n')) {
    const [v, name] = line.trim().split(/\s+/)
    if (v !== version || name === undefined || !name.startsWith(CLUSTER_PREFIX)) continue
    const pid = Number(name.slice(CLUSTER_PREFIX.length).split('_')[0])
    if (Number.isInteger(pid) && !pidAlive(pid)) {
      await run('pg_dropcluster', ['--stop', version, name], { timeout: 60_000 }).catch(() => {})
    }
  }
}

interface Database {
  /** DATABASE_URL for the app, or undefined for the embedded database @fbi/db starts itself. */
  url: string | undefined
  stop(app: FastifyInstance): Promise<void>
  start(app: FastifyInstance): Promise<void>
}

async function privateCluster(ctx: TestContext, version: string): Promise<Database> {
  await dropStaleClusters(version)
  const name = `${CLUSTER_PREFIX}${process.pid}_${randomBytes(3).toString('hex')}`
  const port = await freePort()
  // Dropped at the end whatever happens (registered before it exists: a half-made cluster goes too).
  ctx.onTestFinished(async () => {
    await run('pg_dropcluster', ['--stop', version, name], { timeout: 60_000 }).catch(() => {})
  })
  await run('pg_createcluster', [version, name, '-p', String(port), '--', '--auth=trust'], {
    timeout: 120_000,
  })
  const ctl = (...args: string[]) => run('pg_ctlcluster', [version, name, ...args], { timeout: 60_000 })
  await ctl('start')
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    // Immediate: no checkpoint, open sessions cut, recovery from the WAL on start, as in a crash.
    stop: async () => {
      await ctl('stop', '-m', 'immediate')
    },
    start: async () => {
      await ctl('start')
    },
  }
}

function embeddedDatabase(): Database {
  return {
    url: undefined,
    stop: async (app) => {
      await app.db.embedded?.stop()
    },
    start: async (app) => {
      await app.db.embedded?.start()
    },
  }
}

describe(`PostgreSQL (${BACKEND}) stopped during a stream of writes, then restarted`, () => {
  it('answers only 201 or 503, recovers by itself, and stores every acknowledged write', async (ctx) => {
    const database = VERSION === undefined ? embeddedDatabase() : await privateCluster(ctx, VERSION)

    const app = Fastify({ ...fbiServerOptions(), pluginTimeout: 90_000 })
    ctx.onTestFinished(() => app.close())
    await app.register(fbiAll, {
      env: {
        ENVIRONMENT: 'DEVELOPMENT',
        HS_KEY,
        PROXY_URL,
        ...(database.url === undefined ? {} : { DATABASE_URL: database.url }),
      },
      monitoring: {
        gracefulShutdown: false,
        processMetrics: false,
        requestLog: false,
        healthCheckSuccessTtlMs: 0,
        healthCheckFailureTtlMs: 0,
      },
      openapi: false,
      db: { connectTimeoutMs: 1000, healthCheckTimeoutMs: 1000, ...(database.url ? { poolSize: 4 } : {}) },
    })
    app.post('/writes/:n', { config: { protect: () => true } }, async (request, reply) => {
      const n = Number((request.params as { n: string }).n)
      const { rows } = await app.pg.query<{ n: number }>('INSERT INTO writes (n) VALUES ($1) RETURNING n', [
        n,
      ])
      return reply.code(201).send(rows[0])
    })
    await app.ready()
    await app.pg.query('CREATE TABLE writes (n integer PRIMARY KEY)')
    const token = mintHsToken({ key: HS_KEY, issuer: `${PROXY_URL}/`, audience: `${PROXY_URL}/` })

    const acknowledged: number[] = []
    const statuses = new Map<number, number>()
    const unexpected: string[] = []
    let next = 0
    // Phases by the moment a write was sent: before the stop was asked for, after the stop returned
    // (the server is down), while the start runs, after the start returned.
    let phase: 'before' | 'down' | 'starting' | 'after' = 'before'
    const acksIn = { before: 0, down: 0, starting: 0, after: 0 }
    const failuresIn = { before: 0, down: 0, starting: 0, after: 0 }

    const record = (n: number, res: LightMyRequestResponse, at: typeof phase) => {
      statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1)
      if (res.statusCode === 201) {
        expect(res.json()).toEqual({ n })
        acknowledged.push(n)
        acksIn[at]++
      } else if (res.statusCode === 503 && JSON.stringify(res.json()) === JSON.stringify(DOWN)) {
        failuresIn[at]++
      } else {
        unexpected.push(`${res.statusCode} ${res.body}`)
      }
    }

    let stopWriters = false
    const writer = async () => {
      while (!stopWriters) {
        next += 1
        const n = next
        const at = phase
        const res = await app.inject({
          method: 'POST',
          url: `/writes/${n}`,
          headers: { authorization: `Bearer ${token}` },
        })
        record(n, res, at)
        // A refused connection fails at once: pace the writers instead of spinning.
        if (res.statusCode !== 201) await new Promise((resolve) => setTimeout(resolve, 20))
      }
    }
    const writers = Promise.all([writer(), writer(), writer(), writer()])

    await vi.waitFor(() => expect(acksIn.before).toBeGreaterThanOrEqual(40), {
      timeout: 30_000,
      interval: 20,
    })
    // Stopped while writes are in flight.
    await database.stop(app)
    phase = 'down'
    await vi.waitFor(() => expect(failuresIn.down).toBeGreaterThanOrEqual(20), {
      timeout: 30_000,
      interval: 20,
    })
    const health = await app.inject({ url: '/healthcheck' })
    expect(health.statusCode).toBe(500)
    expect(health.json().results).toEqual(
      expect.arrayContaining([expect.objectContaining({ checker: 'database', passed: false })]),
    )
    phase = 'starting'
    await database.start(app)
    phase = 'after'
    // Recovers by itself: no restart of the app, no call into the pool.
    await vi.waitFor(() => expect(acksIn.after).toBeGreaterThanOrEqual(40), { timeout: 60_000, interval: 50 })
    stopWriters = true
    await writers

    expect(unexpected).toEqual([])
    // Nothing sent while the server was down was acknowledged.
    if (database.url !== undefined) expect(acksIn.down).toBe(0)
    expect([...statuses.keys()].sort()).toEqual([201, 503])
    const healthy = await app.inject({ url: '/healthcheck' })
    expect(healthy.statusCode).toBe(200)

    // Read back with a connection of our own when we can (the app's pool is what we are testing).
    let stored: Set<number>
    if (database.url === undefined) {
      const { rows } = await app.pg.query<{ n: number }>('SELECT n FROM writes')
      stored = new Set(rows.map((r) => r.n))
    } else {
      const client = new pg.Client({ connectionString: database.url })
      await client.connect()
      try {
        const { rows } = await client.query<{ n: number }>('SELECT n FROM writes')
        stored = new Set(rows.map((r) => r.n))
      } finally {
        await client.end()
      }
    }
    const lost = acknowledged.filter((n) => !stored.has(n))
    expect(lost).toEqual([])
    // A write whose answer was lost in the stop may be stored without an acknowledgement, never the reverse.
    expect(stored.size).toBeGreaterThanOrEqual(acknowledged.length)
    console.info(
      `[${BACKEND}] sent ${next}: 201 ${acknowledged.length} ${JSON.stringify(acksIn)}, ` +
        `503 ${statuses.get(503) ?? 0} ${JSON.stringify(failuresIn)}, stored ${stored.size}, acknowledged but lost 0`,
    )
  })
})
