import { request as httpRequest } from 'node:http'
import { connect, type Socket } from 'node:net'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { scopesPresent } from '@fbi/security'
import Fastify, { type FastifyInstance } from 'fastify'
import { describe, expect, it } from 'vitest'
import fbi, { fbiServerOptions } from '../src/index.js'
import { ENV, token } from './helpers.js'

// Slow clients over real sockets against an @fbi/all service built as the README says, with the
// timeouts shortened so the file stays quick (the defaults are the same mechanism at 10 s / 30 s).
const REQUEST_TIMEOUT = 3000
const HEADERS_TIMEOUT = 1500
const CHECK_INTERVAL = 250
const LOG_INTERVAL = 1000

// Two descriptors a connection in this process (client and server side): stay well under the limit.
const openFiles = (process.report.getReport() as { userLimits: { open_files: { soft: number | string } } })
  .userLimits.open_files.soft
const fdLimit = typeof openFiles === 'number' ? openFiles : 1_000_000
const CONNECTIONS = Math.max(50, Math.min(2000, Math.floor((fdLimit - 1000) / 2)))

setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void

function heapAfterGc(): number {
  gc()
  gc()
  return process.memoryUsage().heapUsed
}

interface LogLine {
  level: number
  msg: string
  refusedClients?: { timeout: number; headerOverflow: number; malformed: number }
}

async function buildService(): Promise<{ app: FastifyInstance; port: number; logs: LogLine[] }> {
  const logs: LogLine[] = []
  const app = Fastify({
    ...fbiServerOptions({
      requestTimeout: REQUEST_TIMEOUT,
      headersTimeout: HEADERS_TIMEOUT,
      connectionsCheckingInterval: CHECK_INTERVAL,
      clientErrorLogIntervalMs: LOG_INTERVAL,
    }),
    logger: { level: 'warn', stream: { write: (line: string) => logs.push(JSON.parse(line) as LogLine) } },
  })
  await app.register(fbi, { env: { ...ENV }, monitoring: { gracefulShutdown: false } })
  app.get('/p/:id', { config: { protect: scopesPresent('read:p') } }, async (request) => request.params)
  app.post('/echo', async (request) => request.body)
  // A backlog that takes a burst of connections without dropping SYNs (each drop costs a 1 s retry).
  await app.listen({ host: '127.0.0.1', port: 0, backlog: 4096 })
  return { app, port: (app.server.address() as { port: number }).port, logs }
}

interface SlowClient {
  socket: Socket
  openedAt: number
  closedAt?: number
  answer: string
}

/** Opens `count` connections in batches, each writing `first` and then `trickle` every 500 ms. */
async function slowClients(
  port: number,
  count: number,
  first: string,
  trickle: string,
): Promise<SlowClient[]> {
  const clients: SlowClient[] = []
  for (let opened = 0; opened < count; opened += 200) {
    const batch = Array.from({ length: Math.min(200, count - opened) }, () => {
      const socket = connect(port, '127.0.0.1')
      const client: SlowClient = { socket, openedAt: Date.now(), answer: '' }
      socket.setEncoding('utf8')
      socket.on('data', (chunk: string) => {
        client.answer += chunk
      })
      socket.on('error', () => {})
      let timer: NodeJS.Timeout | undefined
      socket.on('close', () => {
        clearInterval(timer)
        client.closedAt = Date.now()
      })
      clients.push(client)
      return new Promise<void>((resolve) =>
        socket.once('connect', () => {
          client.openedAt = Date.now()
          socket.write(first)
          timer = setInterval(() => socket.write(trickle), 500)
          resolve()
        }),
      )
    })
    await Promise.all(batch)
  }
  return clients
}

/**
 * Normal requests every 50 ms until stopped: each must be answered 200, within a bound. `paused`
 * holds the loop (and waits for the request in flight) while the test forces a GC, whose pause in
 * this same process would otherwise count as the server's latency.
 */
function normalTraffic(port: number) {
  const results: { status: number; ms: number }[] = []
  const authorization = `Bearer ${token(['read:p'])}`
  let running = true
  let idle: Promise<void> = Promise.resolve()
  let paused: Promise<void> | undefined
  const loop = (async () => {
    while (running) {
      if (paused !== undefined) await paused
      let done = () => {}
      idle = new Promise((resolve) => {
        done = resolve
      })
      const started = performance.now()
      const status = await new Promise<number>((resolve) => {
        const req = httpRequest(
          { host: '127.0.0.1', port, path: '/p/1', headers: { authorization }, agent: false },
          (res) => {
            res.resume()
            res.on('end', () => resolve(res.statusCode ?? 0))
          },
        )
        req.on('error', () => resolve(0))
        req.end()
      })
      results.push({ status, ms: performance.now() - started })
      done()
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
  })()
  return {
    results,
    /** Runs `fn` with no normal request in flight. */
    async without<T>(fn: () => T): Promise<T> {
      let resume = () => {}
      paused = new Promise((resolve) => {
        resume = resolve
      })
      await idle
      try {
        return fn()
      } finally {
        paused = undefined
        resume()
      }
    },
    stop: async () => {
      running = false
      await loop
    },
  }
}

async function until(condition: () => boolean | Promise<boolean>, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms
  while (Date.now() < deadline) {
    if (await condition()) return true
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  return condition()
}

async function serverConnections(app: FastifyInstance): Promise<number> {
  return new Promise((resolve, reject) =>
    app.server.getConnections((error, count) => (error ? reject(error) : resolve(count))),
  )
}

describe.each([
  {
    name: 'slow-body',
    first:
      'POST /echo HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{',
    trickle: ' ',
    timeout: REQUEST_TIMEOUT,
  },
  {
    name: 'slow-header',
    first: 'GET /running HTTP/1.1\r\nHost: localhost\r\n',
    trickle: 'X-Slow: y\r\n',
    timeout: HEADERS_TIMEOUT,
  },
])(`$name clients (${CONNECTIONS} connections)`, ({ name, first, trickle, timeout }) => {
  it('are cut off after the timeout with a 408, normal requests keep being served, sockets and memory are freed, one log line per interval', {
    timeout: 45_000,
  }, async (ctx) => {
    const { app, port, logs } = await buildService()
    const sockets: Socket[] = []
    // Without the timeouts the slow sockets would stay open and hold app.close() for ever.
    ctx.onTestFinished(async () => {
      for (const socket of sockets) socket.destroy()
      await app.close()
    })
    // Warm the paths first, so the baseline holds what serving normally holds.
    const warm = normalTraffic(port)
    await new Promise((resolve) => setTimeout(resolve, 300))
    await warm.stop()
    const before = heapAfterGc()

    const normal = normalTraffic(port)
    const clients = await slowClients(port, CONNECTIONS, first, trickle)
    for (const client of clients) sockets.push(client.socket)
    // Every slow connection is held by the server at once (accepted, parsing, waiting).
    const allHeld = await until(async () => (await serverConnections(app)) >= CONNECTIONS, timeout - 500)
    const during = await normal.without(heapAfterGc)

    const allClosed = await until(
      () => clients.every((client) => client.closedAt !== undefined),
      timeout + 10_000,
    )
    await normal.stop()
    expect(allClosed).toBe(true)
    // Cut off by the timeout: not before it, and within it plus two checking intervals and some slack
    // for a busy machine.
    const lifetimes = clients.map((client) => (client.closedAt as number) - client.openedAt)
    expect(Math.min(...lifetimes)).toBeGreaterThanOrEqual(timeout - CHECK_INTERVAL)
    expect(Math.max(...lifetimes)).toBeLessThan(timeout + 2 * CHECK_INTERVAL + 4000)
    for (const client of clients) {
      expect(client.answer).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n/)
      expect(client.answer.endsWith('{"code":408,"message":"Request Timeout"}')).toBe(true)
    }

    // Normal requests were answered all along, within a bound.
    expect(normal.results.length).toBeGreaterThan(10)
    expect(normal.results.filter((result) => result.status !== 200)).toEqual([])
    const times = normal.results.map((result) => result.ms).sort((a, b) => a - b)
    const median = times[Math.floor(times.length / 2)] as number
    const slowest = times.at(-1) as number
    // Typical requests stay fast; the slowest is the one caught in the burst of 2000 cut-offs at once
    // (served by this same process as the attackers), bounded generously for a busy machine.
    expect(median).toBeLessThan(250)
    expect(slowest).toBeLessThan(3000)

    // Sockets freed on the server, memory back to its level (the test's own client objects dropped).
    expect(allHeld).toBe(true)
    expect(await until(async () => (await serverConnections(app)) === 0, 5000)).toBe(true)
    clients.length = 0
    sockets.length = 0
    // Closed handles release their objects a turn or two after 'close': poll, bounded.
    const bound = Math.max(5e6, (during - before) / 4)
    let after = heapAfterGc()
    for (let tries = 0; after - before >= bound && tries < 20; tries++) {
      await new Promise((resolve) => setTimeout(resolve, 250))
      after = heapAfterGc()
    }
    console.info(
      `${name}: ${CONNECTIONS} connections; heap before ${(before / 1e6).toFixed(1)} MB, with them open ${(during / 1e6).toFixed(1)} MB, after ${(after / 1e6).toFixed(1)} MB; normal requests: median ${median.toFixed(0)} ms, slowest ${slowest.toFixed(0)} ms of ${normal.results.length}`,
    )
    expect(during - before).toBeGreaterThan(1e6)
    expect(after - before).toBeLessThan(bound)

    // The log: one line at the first refusal, then at most one per interval, counting every client.
    await new Promise((resolve) => setTimeout(resolve, LOG_INTERVAL + 500))
    const lines = logs.filter((line) => line.refusedClients !== undefined)
    expect(lines.length).toBeGreaterThanOrEqual(2)
    expect(lines.length).toBeLessThanOrEqual(Math.ceil((timeout + 8000) / LOG_INTERVAL))
    expect(lines.reduce((sum, line) => sum + (line.refusedClients?.timeout ?? 0), 0)).toBe(CONNECTIONS)
  })
})
