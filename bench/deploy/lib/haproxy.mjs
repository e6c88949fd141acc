// HAProxy (Debian's `haproxy`), run in the foreground with ../haproxy.cfg, and read through its
// runtime API (the stats socket): server states for the harness's waits, counters for the report.
import { spawn } from 'node:child_process'
import { createWriteStream } from 'node:fs'
import { connect } from 'node:net'
import { fileURLToPath } from 'node:url'
import { waitUntil } from './wait.mjs'

const CONFIG = fileURLToPath(new URL('../haproxy.cfg', import.meta.url))
export const BACKEND = 'patients_instances'
export const SERVERS = Object.freeze(['s1', 's2', 's3'])

/** One command on the runtime API; resolves with its whole answer (the socket closes after it). */
function command(socketPath, line) {
  return new Promise((resolve, reject) => {
    let answer = ''
    const socket = connect(socketPath)
    socket.setEncoding('utf8')
    socket.setTimeout(5000, () => socket.destroy(new Error(`HAProxy runtime API: no answer to '${line}'`)))
    socket.on('data', (chunk) => {
      answer += chunk
    })
    socket.on('error', reject)
    socket.on('end', () => resolve(answer))
    socket.write(`${line}\n`)
  })
}

/**
 * Starts HAProxy listening on `frontendPort` in front of `ports` (one per server of SERVERS, none of
 * them listening yet); its request log goes to `logFile`, and each line to `onLog`.
 */
export async function startHaproxy({ runDir, frontendPort, ports, logFile, onLog }) {
  const socketPath = `${runDir}/haproxy.sock`
  const env = {
    PATH: process.env.PATH,
    FBI_DEPLOY_RUN_DIR: runDir,
    FBI_DEPLOY_FRONTEND_PORT: String(frontendPort),
    ...Object.fromEntries(ports.map((port, i) => [`FBI_DEPLOY_PORT_${i + 1}`, String(port)])),
  }
  const child = spawn('haproxy', ['-db', '-f', CONFIG], { env, stdio: ['ignore', 'pipe', 'pipe'] })
  const log = createWriteStream(logFile)
  let pending = ''
  let stderr = ''
  child.stdout.setEncoding('utf8')
  child.stdout.on('data', (chunk) => {
    log.write(chunk)
    pending += chunk
    const lines = pending.split('\n')
    pending = lines.pop()
    for (const line of lines) onLog(line)
  })
  child.stderr.setEncoding('utf8')
  child.stderr.on('data', (chunk) => {
    log.write(chunk)
    if (stderr.length < 10_000) stderr += chunk
  })
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })))
  exited.then(() => log.end())

  const haproxy = {
    child,
    /**
     * Our backend's rows (its servers and the BACKEND total) from `show stat typed`, one object per
     * row keyed by HAProxy's field names. Typed, not JSON: HAProxy 2.6 can emit invalid JSON for
     * an answer larger than its buffer; typed is one `key:tags:type:value` line per field.
     */
    async stat() {
      // <proxy> 6 -1: the backend row (2) and its servers (4), all of them (-1).
      const answer = await command(socketPath, `show stat ${BACKEND} 6 -1 typed`)
      const rows = new Map()
      for (const line of answer.split('\n')) {
        const m = /^([A-Z])\.(\d+)\.(\d+)\.\d+\.([a-z0-9_]+)\.\d+:[A-Z]*:([a-z0-9]+):(.*)$/.exec(line)
        if (m === null) continue
        const [, kind, proxy, server, name, type, value] = m
        const key = `${kind}.${proxy}.${server}`
        if (!rows.has(key)) rows.set(key, {})
        rows.get(key)[name] = type === 'str' ? value : Number(value)
      }
      return [...rows.values()]
    },
    /** The rows of our backend's servers, by name. */
    async servers() {
      const rows = await haproxy.stat()
      return new Map(
        rows.filter((r) => r.pxname === BACKEND && SERVERS.includes(r.svname)).map((r) => [r.svname, r]),
      )
    },
    /** Waits until `server`'s status is `status` ('UP' or 'DOWN'; not a transitional 'UP 1/2'). */
    async waitFor(server, status, timeoutMs) {
      await waitUntil(
        async () => {
          const row = (await haproxy.servers()).get(server)
          return row?.status === status
        },
        { timeoutMs, everyMs: 25, what: `HAProxy marking ${server} ${status}` },
      )
    },
    /** Graceful stop (SIGUSR1: finish the requests under way), then a hard one after 5 s. */
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return exited
      child.kill('SIGUSR1')
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000)
      const result = await exited
      clearTimeout(timer)
      return result
    },
  }

  // Up once the runtime API answers (the frontend is bound by then).
  try {
    await waitUntil(
      async () => {
        if (child.exitCode !== null) throw new Error(`haproxy exited with ${child.exitCode}:\n${stderr}`)
        return haproxy.stat().then(
          () => true,
          () => false,
        )
      },
      { timeoutMs: 10_000, everyMs: 50, what: 'HAProxy to start' },
    )
    // HAProxy starts every server UP until its first check: wait for those checks to find nothing
    // listening, so that UP from now on means two passing checks, never the initial state.
    for (const server of SERVERS) await haproxy.waitFor(server, 'DOWN', 10_000)
  } catch (error) {
    child.kill('SIGKILL')
    throw error
  }
  return haproxy
}
