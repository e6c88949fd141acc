// Instances of the example service, each a plain `node dist/server.js` process as its README starts
// it, in production mode against the real PostgreSQL. A slot is one HAProxy server (s1..s3) with a
// fixed port; replacing an instance starts a new process on the slot's port once the old one exited.
import { spawn } from 'node:child_process'
import { createWriteStream } from 'node:fs'
import { waitUntil } from './wait.mjs'

/** Lines of fbi's JSON log that say what an instance did about migrations. */
// @fbi/db's summary line of a migration run: `"direction":"up","migrations":["…",…]` (one JSON line).
const MIGRATED = /"direction":"up","migrations":(\[[^\]]*\])/
const LOCK_WAIT = /another instance holds the migration lock/

/** The environment of an instance: nothing from the harness's own, only what a deployment sets. */
export function instanceEnv({ databaseUrl, hsKey, proxyUrl, port, poolSize }) {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NODE_ENV: 'production',
    ENVIRONMENT: 'PRODUCTION',
    HS_KEY: hsKey,
    PROXY_URL: proxyUrl,
    DATABASE_URL: databaseUrl,
    DATABASE_POOL_SIZE: String(poolSize),
    LISTEN_ADDRESS: '127.0.0.1',
    PORT: String(port),
  }
}

/**
 * Starts one instance; `clock()` is the run's clock (ms). Resolves at once with a handle whose
 * `listening` promise settles when GET /running first answers 200 (liveness: the process serves
 * HTTP), and whose `exited` settles with the exit code and signal.
 */
export function startInstance({ name, serviceDir, env, logFile, clock, listenTimeoutMs }) {
  const spawnedAt = clock()
  const child = spawn(process.execPath, ['dist/server.js'], {
    cwd: serviceDir,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const log = createWriteStream(logFile)
  const instance = {
    name,
    pid: child.pid,
    port: Number(env.PORT),
    spawnedAt,
    listeningAt: undefined,
    upAt: undefined,
    migrationsRun: [],
    // fbi logs this line once per wait for the lock (it did on every retry before): counted for the report.
    lockWaitLines: 0,
    errorLines: [],
    exited: new Promise((resolve) =>
      child.once('exit', (code, signal) => resolve({ code, signal, at: clock() })),
    ),
    signal: (signal) => child.kill(signal),
  }
  instance.exited.then(() => log.end())
  let pending = ''
  const onLine = (line) => {
    const migrated = MIGRATED.exec(line)
    if (migrated) instance.migrationsRun.push(...JSON.parse(migrated[1]))
    if (LOCK_WAIT.test(line)) instance.lockWaitLines++
    // fbi logs JSON; level 50 is error, 60 fatal. Anything else on stderr counts too.
    if (/"level":(5|6)0/.test(line) || (!line.startsWith('{') && line.trim() !== '')) {
      if (instance.errorLines.length < 20) instance.errorLines.push(line.slice(0, 500))
    }
  }
  for (const stream of [child.stdout, child.stderr]) {
    stream.setEncoding('utf8')
    stream.on('data', (chunk) => {
      log.write(chunk)
      pending += chunk
      const lines = pending.split('\n')
      pending = lines.pop()
      for (const line of lines) onLine(line)
    })
  }

  let exitedEarly
  instance.exited.then((result) => {
    exitedEarly = result
  })
  instance.listening = waitUntil(
    async () => {
      if (exitedEarly !== undefined) {
        throw new Error(
          `${name} exited (code ${exitedEarly.code}, signal ${exitedEarly.signal}) before listening; see ${logFile}`,
        )
      }
      try {
        const res = await fetch(`http://127.0.0.1:${instance.port}/running`, {
          signal: AbortSignal.timeout(1000),
        })
        await res.arrayBuffer()
        return res.status === 200
      } catch {
        return false
      }
    },
    { timeoutMs: listenTimeoutMs, everyMs: 25, what: `${name} to answer /running` },
  ).then(() => {
    instance.listeningAt = clock()
  })
  // The caller awaits it; a rejection nobody awaited yet must not end the process.
  instance.listening.catch(() => {})
  return instance
}
