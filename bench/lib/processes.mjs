// Server processes: started with `node`, each talks to the runner over IPC (see servers/child.mjs).
// Every process started here is tracked and stopped by stopAll, also when the runner fails.
import { fork } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const SERVERS_DIR = fileURLToPath(new URL('../servers/', import.meta.url))
const READY_TIMEOUT_MS = 30_000
const STOP_GRACE_MS = 3000

const running = new Set()

/**
 * Starts servers/<file> and resolves once it listens: { port, readyMs (inside the process, since its
 * start), wallMs (spawn to ready, seen from here), child, request(type) }.
 */
export function startServer(file, { env = {}, execArgv = [] } = {}) {
  const started = performance.now()
  const child = fork(`${SERVERS_DIR}${file}`, [], {
    cwd: fileURLToPath(new URL('..', import.meta.url)),
    env: { ...process.env, NODE_ENV: 'production', ...env },
    execArgv,
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    serialization: 'json',
  })
  running.add(child)
  let stderr = ''
  child.stderr.setEncoding('utf8')
  child.stderr.on('data', (chunk) => {
    if (stderr.length < 20_000) stderr += chunk
  })
  child.once('exit', () => running.delete(child))

  return new Promise((resolve, reject) => {
    const fail = (why) => {
      clearTimeout(timer)
      child.kill('SIGKILL')
      const detail = stderr.trim().split('\n').slice(0, 12).join('\n')
      reject(new Error(`${file}: ${why}${detail ? `\n${detail}` : ''}`))
    }
    const timer = setTimeout(() => fail(`not ready after ${READY_TIMEOUT_MS} ms`), READY_TIMEOUT_MS)
    child.once('exit', (code, signal) => fail(`exited before ready (code ${code}, signal ${signal})`))
    child.on('message', function onMessage(message) {
      if (message?.type === 'failed') return fail(`failed to start: ${message.message}`)
      if (message?.type !== 'ready') return
      clearTimeout(timer)
      child.removeAllListeners('exit')
      child.once('exit', () => running.delete(child))
      child.off('message', onMessage)
      resolve({
        port: message.port,
        readyMs: message.readyMs,
        wallMs: performance.now() - started,
        child,
        stderr: () => stderr,
        memory: () => ask(child, 'memory'),
        stop: () => stopServer(child),
        // SIGSTOP / SIGCONT: a paused server's timers (prom-client's event-loop monitor, GC
        // observers) take no CPU from the server being measured.
        pause: () => child.kill('SIGSTOP'),
        resume: () => child.kill('SIGCONT'),
      })
    })
  })
}

function ask(child, type) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer to '${type}' within 10 s`)), 10_000)
    child.on('message', function onMessage(message) {
      if (message?.type !== type) return
      clearTimeout(timer)
      child.off('message', onMessage)
      resolve(message)
    })
    child.send({ type })
  })
}

/** Asks the server to close and exit; kills it when it has not within a few seconds. */
export function stopServer(child) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  // A paused server cannot answer; harmless when it runs.
  child.kill('SIGCONT')
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS)
    child.once('exit', () => {
      clearTimeout(timer)
      resolve()
    })
    if (child.connected) child.send({ type: 'stop' })
    else child.kill('SIGKILL')
  })
}

/** Stops every server still running. */
export function stopAll() {
  return Promise.all([...running].map((child) => stopServer(child)))
}

/** Last resort on exit: no server outlives the runner. */
export function killAll() {
  for (const child of running) child.kill('SIGKILL')
}
