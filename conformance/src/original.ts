import { type ChildProcess, spawn } from 'node:child_process'
import { accessSync, constants, existsSync } from 'node:fs'
import { createServer } from 'node:net'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { FBI_CONFORMANCE_SETUP } from './errors.js'
import { send } from './http.js'

/** The repository root (this file is conformance/src/original.ts). */
const REPOSITORY = fileURLToPath(new URL('../..', import.meta.url))

/**
 * Where the original runs from: `shared/oracle` beside the checkout, as CI lays it out (a fresh clone
 * with `shared/` next to it). FBI_ORACLE_DIR points elsewhere.
 */
export const ORACLE_DIR = resolve(process.env.FBI_ORACLE_DIR ?? join(REPOSITORY, '..', 'shared', 'oracle'))

/** Debian's interpreter, where setup.sh installs the python3-* packages; ORACLE_PYTHON overrides, as for diff.mjs. */
export const PYTHON = process.env.ORACLE_PYTHON ?? '/usr/bin/python3'

const SETUP_HINT =
  'run ../shared/oracle/setup.sh (CI: .ci/oracle-setup.sh) and check that shared/ is beside the checkout'
const START_DEADLINE_MS = 45_000
const STOP_DEADLINE_MS = 5_000

export interface OriginalOptions {
  /** DATABASE_* of a database that exists; the reference app adds its alembic_version table. */
  database: { host: string; port: number; user: string; password: string; name: string }
  hsKey: string
  proxyUrl: string
}

export interface RunningOriginal {
  readonly url: string
  /** What the reference app printed (stdout and stderr), for error messages. */
  output(): string
  stop(): Promise<void>
}

/** Fails, naming what is missing, when the original cannot run here. Never skips. */
export function checkOriginalIsInstalled(): void {
  const script = join(ORACLE_DIR, 'ref_app.py')
  if (!existsSync(script))
    throw new FBI_CONFORMANCE_SETUP(`the original's reference app ${script} is missing; ${SETUP_HINT}`)
  const vendored = join(ORACLE_DIR, 'vendor', 'flask_batteries_included')
  if (!existsSync(vendored))
    throw new FBI_CONFORMANCE_SETUP(`the vendored original ${vendored} is missing; ${SETUP_HINT}`)
  try {
    accessSync(PYTHON, constants.X_OK)
  } catch {
    throw new FBI_CONFORMANCE_SETUP(
      `no python3 at ${PYTHON} (set ORACLE_PYTHON to use another); ${SETUP_HINT}`,
    )
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      const port = typeof address === 'object' && address !== null ? address.port : 0
      server.close(() => resolvePort(port))
    })
  })
}

function exited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (exited(child)) return
  const gone = new Promise((done) => child.once('exit', done))
  child.kill('SIGTERM')
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_DEADLINE_MS)
  await gone
  clearTimeout(timer)
}

/** Thrown when the port chosen turned out to be taken between choosing and binding it. */
const PORT_TAKEN = /Address already in use/

/**
 * Starts the original's reference app (shared/oracle/ref_app.py) on a free loopback port and waits
 * until GET /running answers. The process is killed when this process exits, whatever happens.
 */
export async function startOriginal(options: OriginalOptions): Promise<RunningOriginal> {
  checkOriginalIsInstalled()
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(options, await freePort())
    } catch (error) {
      // Another process can bind the port between freePort() and Werkzeug's bind: try another one.
      if (attempt < 3 && error instanceof Error && PORT_TAKEN.test(error.message)) continue
      throw error
    }
  }
}

async function startOnce(options: OriginalOptions, port: number): Promise<RunningOriginal> {
  const { database } = options
  const child = spawn(PYTHON, [join(ORACLE_DIR, 'ref_app.py'), String(port)], {
    cwd: ORACLE_DIR,
    // Only what the app reads: nothing of this process's environment leaks into the comparison.
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: process.env.HOME ?? '/tmp',
      ENVIRONMENT: 'DEVELOPMENT',
      HS_KEY: options.hsKey,
      PROXY_URL: options.proxyUrl,
      REDIS_INSTALLED: 'false',
      DATABASE_HOST: database.host,
      DATABASE_PORT: String(database.port),
      DATABASE_USER: database.user,
      DATABASE_PASSWORD: database.password,
      DATABASE_NAME: database.name,
      LOG_LEVEL: 'WARNING',
      PYTHONWARNINGS: 'ignore',
      // The vendored sources are shared with other checkouts: leave no __pycache__ behind.
      PYTHONDONTWRITEBYTECODE: '1',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const killOnExit = () => child.kill('SIGKILL')
  process.once('exit', killOnExit)
  let output = ''
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-20_000)
  }
  child.stdout?.on('data', keep)
  child.stderr?.on('data', keep)
  const spawnFailure = new Promise<string>((done) => child.once('error', (error) => done(error.message)))

  const url = `http://127.0.0.1:${port}`
  const stop = async () => {
    await stopChild(child)
    process.removeListener('exit', killOnExit)
  }
  const until = Date.now() + START_DEADLINE_MS
  while (Date.now() < until) {
    const failed = await Promise.race([
      spawnFailure,
      new Promise<undefined>((done) => setTimeout(() => done(undefined), 150)),
    ])
    if (failed !== undefined) {
      await stop()
      throw new FBI_CONFORMANCE_SETUP(`${PYTHON} could not be started (${failed}); ${SETUP_HINT}`)
    }
    if (exited(child)) {
      await stop()
      throw new FBI_CONFORMANCE_SETUP(
        `the original exited with ${child.exitCode ?? child.signalCode} before answering; ${SETUP_HINT}. Its output:\n${output}`,
      )
    }
    const answer = await send(url, { method: 'GET', path: '/running', headers: {} }).catch(() => undefined)
    if (answer?.status === 200) return { url, output: () => output, stop }
  }
  await stop()
  throw new FBI_CONFORMANCE_SETUP(
    `the original did not answer GET /running within ${START_DEADLINE_MS} ms. Its output:\n${output}`,
  )
}
