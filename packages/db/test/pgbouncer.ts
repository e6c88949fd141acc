import { type ChildProcess, execFileSync, spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { chown, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { connect, createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { TestContext } from 'vitest'
import { PGBOUNCER_URL } from './helpers.js'

/**
 * A PgBouncer of a test's own (Debian's, installed by `.ci/pgbouncer.sh`), in transaction mode with
 * PgBouncer's defaults but for `settings`, in front of `upstream` (the server, or a TCP proxy the
 * test freezes). Used where the shared one (FBI_TEST_PGBOUNCER_URL) cannot do: a pool size the test
 * asserts, a database frozen behind the pooler. Present when the shared one is, i.e. in the pooler run.
 */
export const PGBOUNCER_BINARY =
  PGBOUNCER_URL === undefined ? undefined : ['/usr/sbin/pgbouncer', '/usr/bin/pgbouncer'].find(existsSync)

export interface PrivatePgBouncer {
  readonly port: number
  /** `target` (a URL of the upstream server) with the pooler's host and port. */
  url(target: string): string
  /** PgBouncer's log so far (for a failing test's message). */
  log(): Promise<string>
}

async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  await new Promise<void>((resolve) => server.close(() => resolve()))
  if (address === null || typeof address !== 'object') throw new TypeError('no free port')
  return address.port
}

async function waitForPort(port: number, child: ChildProcess, logFile: string): Promise<void> {
  const deadline = Date.now() + 10_000
  while (Date.now() < deadline) {
    if (child.exitCode !== null) break
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1')
      socket.once('connect', () => {
        socket.destroy()
        resolve(true)
      })
      socket.once('error', () => resolve(false))
    })
    if (open) return
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  throw new TypeError(`PgBouncer did not start: ${await readFile(logFile, 'utf8').catch(() => '')}`)
}

export async function startPgBouncer(
  ctx: TestContext,
  upstream: { host: string; port: number; user?: string },
  settings: Record<string, string | number> = {},
): Promise<PrivatePgBouncer> {
  if (PGBOUNCER_BINARY === undefined) throw new TypeError('pgbouncer is not installed: run .ci/pgbouncer.sh')
  const dir = await mkdtemp(join(tmpdir(), 'fbi-pgbouncer-'))
  ctx.onTestFinished(() => rm(dir, { recursive: true, force: true }))
  const port = await freePort()
  const user = upstream.user ?? 'postgres'
  const logFile = join(dir, 'pgbouncer.log')
  const lines = [
    '[databases]',
    `* = host=${upstream.host} port=${upstream.port}`,
    '[pgbouncer]',
    'listen_addr = 127.0.0.1',
    `listen_port = ${port}`,
    'unix_socket_dir =',
    'auth_type = trust',
    `auth_file = ${join(dir, 'userlist.txt')}`,
    'pool_mode = transaction',
    `logfile = ${logFile}`,
    ...Object.entries(settings).map(([key, value]) => `${key} = ${value}`),
  ]
  await writeFile(join(dir, 'pgbouncer.ini'), `${lines.join('\n')}\n`)
  await writeFile(join(dir, 'userlist.txt'), `"${user}" ""\n`)
  // PgBouncer refuses to run as root: as root (CI, this machine) it drops to the postgres user.
  const root = process.getuid?.() === 0
  if (root) {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString())
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString())
    await chown(dir, uid, gid)
  }
  const child = spawn(PGBOUNCER_BINARY, [...(root ? ['-u', 'postgres'] : []), join(dir, 'pgbouncer.ini')], {
    stdio: 'ignore',
  })
  ctx.onTestFinished(
    () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve()
        child.once('exit', () => resolve())
        // SIGTERM: PgBouncer's immediate shutdown (SIGINT would wait for its clients).
        child.kill('SIGTERM')
      }),
  )
  await waitForPort(port, child, logFile)
  return {
    port,
    url(target: string) {
      const u = new URL(target)
      u.hostname = '127.0.0.1'
      u.port = String(port)
      return u.toString()
    },
    log: () => readFile(logFile, 'utf8').catch(() => ''),
  }
}
