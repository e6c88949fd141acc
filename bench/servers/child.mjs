// The runner's side of every server process: report the port once listening, answer memory
// questions, stop on request, and never outlive the runner (the IPC channel closes with it).
import { performance } from 'node:perf_hooks'

/** Logs go nowhere, the same way in every server that logs (Fastify opens this with pino.destination). */
export const LOG_FILE = '/dev/null'

/** Connections per server in the database cases: fbi's default pool size, set on every stack alike. */
export const POOL_SIZE = 10

function send(message) {
  if (process.connected) process.send(message)
}

/**
 * Registers the control channel, then reports `{ type: 'ready', port, readyMs }`; readyMs is the
 * time since this process started (Node's own boot included). `close` stops the server.
 */
export function serve(port, close) {
  process.on('message', async (message) => {
    if (message?.type === 'memory') {
      // A forced collection first (the runner starts this process with --expose-gc), so growth
      // between two readings is retained memory, not garbage waiting for the next GC.
      globalThis.gc?.()
      const { rss, heapTotal, heapUsed, external } = process.memoryUsage()
      send({ type: 'memory', rss, heapTotal, heapUsed, external })
    } else if (message?.type === 'stop') {
      try {
        await close()
      } finally {
        // Exit, not kill: a --cpu-prof profile is written on a normal exit only.
        process.exit(0)
      }
    }
  })
  process.on('disconnect', () => process.exit(0))
  send({ type: 'ready', port, readyMs: performance.now() })
}

/** Reports a startup failure to the runner (its stderr shows it too) and exits non-zero. */
export function failed(error) {
  console.error(error)
  const message = { type: 'failed', message: error instanceof Error ? error.message : String(error) }
  if (!process.connected) process.exit(1)
  // Exit once the message is flushed: a plain exit right after send() can drop it.
  process.send(message, () => process.exit(1))
}
