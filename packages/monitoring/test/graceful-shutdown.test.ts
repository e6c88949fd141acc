import { type ChildProcess, execFileSync, spawn } from 'node:child_process'
import { Agent, request as httpRequest } from 'node:http'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { beforeAll, describe, expect, it } from 'vitest'

const packageDir = fileURLToPath(new URL('..', import.meta.url))
const fixture = fileURLToPath(new URL('./fixtures/graceful-server.mjs', import.meta.url))
const startingFixture = fileURLToPath(new URL('./fixtures/starting-server.mjs', import.meta.url))
const tsc = fileURLToPath(new URL('../../../node_modules/typescript/bin/tsc', import.meta.url))

interface Line {
  msg?: string
  [key: string]: unknown
}

/** The child's stdout as parsed JSON log lines, with a way to wait for one. */
function watch(child: ChildProcess) {
  const lines: Line[] = []
  const waiters: { match: (line: Line) => boolean; resolve: (line: Line) => void }[] = []
  createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (text) => {
    let line: Line
    try {
      line = JSON.parse(text) as Line
    } catch {
      line = { msg: text }
    }
    lines.push(line)
    for (const waiter of waiters.splice(0)) {
      if (waiter.match(line)) waiter.resolve(line)
      else waiters.push(waiter)
    }
  })
  const waitFor = (match: (line: Line) => boolean) =>
    new Promise<Line>((resolve) => {
      const seen = lines.find(match)
      if (seen) resolve(seen)
      else waiters.push({ match, resolve })
    })
  return { lines, waitFor }
}

describe('graceful shutdown (real SIGTERM, child process)', () => {
  beforeAll(() => {
    // The fixture runs the built package as users do; `pnpm test` builds first, this keeps a local
    // `vitest --project monitoring` honest too (tsc -b does nothing when dist is up to date).
    execFileSync(process.execPath, [tsc, '-b', packageDir], { stdio: 'inherit' })
  }, 120_000)

  it('stops a start still in progress at once: shutdownSignal aborts, no drain delay, exit 0', async () => {
    const child = spawn(process.execPath, [startingFixture], { stdio: ['ignore', 'pipe', 'inherit'] })
    const { lines, waitFor } = watch(child)
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve))
    await waitFor((line) => line.msg === 'waiting while starting')
    const signalled = Date.now()
    child.kill('SIGTERM')
    expect(await exited).toBe(0)
    // delayMs is 5 s: a server that never listened has no traffic to drain.
    expect(Date.now() - signalled).toBeLessThan(4_000)
    expect(lines.map((line) => line.msg)).toContain('stopped while starting')
  })

  it('fails readiness at once, lets the in-flight request finish, closes and exits 0', async () => {
    const child = spawn(process.execPath, [fixture], {
      cwd: packageDir,
      env: { ...process.env, DELAY_MS: '3000', RELEASE_AFTER_SIGTERM_MS: '4000' },
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
    try {
      const { lines, waitFor } = watch(child)
      const listening = await waitFor((line) => String(line.msg).startsWith('Server listening at '))
      const base = String(listening.msg).slice('Server listening at '.length)

      const ready = await fetch(`${base}/healthcheck`)
      expect(ready.status).toBe(200)
      expect(((await ready.json()) as { status: string }).status).toBe('success')

      const inFlight = fetch(`${base}/slow`)
      await waitFor((line) => line.msg === 'slow request started')
      child.kill('SIGTERM')
      await waitFor((line) => line.msg === 'Shutting down: readiness now fails')

      const probe = await fetch(`${base}/healthcheck`)
      expect(probe.status).toBe(500)
      // Keep-alive clients are told to go elsewhere, so open connections do not hold the close up.
      expect(probe.headers.get('connection')).toBe('close')
      expect(await probe.json()).toMatchObject({
        status: 'failure',
        results: [{ checker: 'shutdown', passed: false, output: 'Service is shutting down' }],
      })
      expect((await fetch(`${base}/running`)).status).toBe(200)

      const slow = await inFlight
      expect(slow.status).toBe(200)
      expect(await slow.json()).toEqual({ slow: 'done' })

      expect(await exited).toBe(0)
      const messages = lines.map((line) => line.msg)
      expect(messages).toContain('onClose hook ran')
      expect(messages.indexOf('Server closed')).toBeGreaterThan(messages.indexOf('onClose hook ran'))
      // The slow request was logged as completed (200) before the process went away.
      expect(messages).toContain('GET "/slow" 200')
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL')
    }
  }, 30_000)

  it('under load: readiness fails first, 50 in-flight keep-alive requests complete, no connection is reset', async () => {
    const child = spawn(process.execPath, [fixture], {
      cwd: packageDir,
      env: { ...process.env, DELAY_MS: '2000', RELEASE_AFTER_SIGTERM_MS: '3000' },
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
    const agent = new Agent({ keepAlive: true, maxSockets: 64 })
    try {
      const { lines, waitFor } = watch(child)
      const listening = await waitFor((line) => String(line.msg).startsWith('Server listening at '))
      const base = new URL(String(listening.msg).slice('Server listening at '.length))

      interface Outcome {
        status?: number
        body?: string
        connection?: string
        error?: string
      }
      const get = (path: string, useAgent = true) =>
        new Promise<Outcome>((resolve) => {
          const req = httpRequest(
            { host: base.hostname, port: base.port, path, agent: useAgent ? agent : false },
            (res) => {
              let body = ''
              res.setEncoding('utf8')
              res.on('data', (chunk: string) => {
                body += chunk
              })
              res.on('end', () =>
                resolve({ status: res.statusCode ?? 0, body, connection: String(res.headers.connection) }),
              )
              res.on('error', (err: NodeJS.ErrnoException) => resolve({ error: err.code ?? err.message }))
            },
          )
          req.on('error', (err: NodeJS.ErrnoException) => resolve({ error: err.code ?? err.message }))
          req.end()
        })

      // Warm the keep-alive pool, then put 50 slow requests in flight on it.
      for (const outcome of await Promise.all(Array.from({ length: 20 }, () => get('/running')))) {
        expect(outcome.status).toBe(200)
      }
      let completed = 0
      const slow = Array.from({ length: 50 }, () =>
        get('/slow').then((outcome) => {
          completed++
          return outcome
        }),
      )
      await expect
        .poll(() => lines.filter((line) => line.msg === 'slow request started').length, { timeout: 15_000 })
        .toBe(50)

      child.kill('SIGTERM')
      await waitFor((line) => line.msg === 'Shutting down: readiness now fails')
      // Readiness fails before any in-flight request has finished.
      const probe = await get('/healthcheck', false)
      expect(probe.status).toBe(500)
      expect(completed).toBe(0)

      // Steady traffic through the whole shutdown, until the process is gone, each on a new connection.
      // A connection still in the kernel's accept queue when the listening socket closes is reset by
      // the kernel whatever the server does (the load balancer has stopped routing by then, since
      // readiness failed first): only requests the server accepted must never be reset.
      const during: Outcome[] = []
      let running = true
      const load = (async () => {
        while (running) {
          during.push(await get('/running', false))
          await new Promise((resolve) => setTimeout(resolve, 10))
        }
      })()
      const results = await Promise.all(slow)
      expect(await exited).toBe(0)
      running = false
      await load

      for (const outcome of results) {
        expect(outcome).toEqual({ status: 200, body: '{"slow":"done"}', connection: 'close' })
      }
      const resets = results.filter((o) => o.error === 'ECONNRESET' || o.error === 'socket hang up')
      expect(resets).toEqual([])
      // While draining: answered (200 before the close, 503 once closing), refused once the port is
      // closed, or reset only at the instant the listening socket closes (at most a few).
      for (const outcome of during) {
        if (outcome.error !== undefined) expect(['ECONNREFUSED', 'ECONNRESET']).toContain(outcome.error)
        else expect([200, 503]).toContain(outcome.status)
      }
      expect(during.filter((o) => o.error === 'ECONNRESET').length).toBeLessThanOrEqual(2)
      expect(during.some((o) => o.status === 200)).toBe(true)
      expect(lines.filter((line) => line.msg === 'GET "/slow" 200')).toHaveLength(50)
    } finally {
      agent.destroy()
      if (child.exitCode === null) child.kill('SIGKILL')
    }
  }, 60_000)
})
