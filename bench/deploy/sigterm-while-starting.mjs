#!/usr/bin/env node
// Reproduction: an instance that receives SIGTERM while it is still starting, waiting for the
// migration lock another instance holds (what an orchestrator does to a pod it no longer wants
// during a rollout: the rollout was superseded, or the deployment scaled down).
//
//   node bench/deploy/sigterm-while-starting.mjs
//
// Expected of fbi: the instance has taken no traffic (it never listened), so it stops waiting and
// exits 0 promptly; and while it waits it says so once, not on every retry. Exits 1 listing each
// expectation that does not hold. Needs `pnpm build` and PostgreSQL (as rolling-deploy.mjs).
import { randomBytes } from 'node:crypto'
import { tmpdir } from 'node:os'
import { fileURLToPath } from 'node:url'
import pg from 'pg'
import { freshDatabase } from './lib/database.mjs'
import { instanceEnv, startInstance } from './lib/instances.mjs'
import { sleep, waitUntil } from './lib/wait.mjs'

const SERVICE = fileURLToPath(new URL('../../examples/patients-service', import.meta.url))
// node-pg-migrate's advisory lock id (its export PG_MIGRATE_LOCK_ID), which @fbi/db takes before
// migrating; the instance's "another instance holds the migration lock" line proves it is this one.
const MIGRATION_LOCK_ID = '7241865325823964'
// gracefulShutdown.delayMs (5 s) is for draining traffic; an instance that never listened has none,
// but an implementation that keeps the delay anyway still passes. Today's exit: 15 s, code 1.
const EXIT_WITHIN_MS = 6000
const WAIT_OBSERVED_MS = 3000

const runId = randomBytes(4).toString('hex')
const t0 = performance.now()
const clock = () => performance.now() - t0
const database = await freshDatabase(runId)
const holder = new pg.Client({ connectionString: database.url })
let instance
let exited = false
const failures = []
try {
  await holder.connect()
  await holder.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_ID])
  instance = startInstance({
    name: 'starting',
    serviceDir: SERVICE,
    env: instanceEnv({
      databaseUrl: database.url,
      hsKey: randomBytes(32).toString('hex'),
      proxyUrl: 'http://127.0.0.1:1',
      port: 0,
      poolSize: 2,
    }),
    logFile: `${tmpdir()}/fbi-sigterm-while-starting-${runId}.log`,
    clock,
    listenTimeoutMs: 60_000,
  })
  await waitUntil(() => instance.lockWaitLines > 0, {
    timeoutMs: 30_000,
    what: 'the instance to wait for the migration lock',
  })
  const linesBefore = instance.lockWaitLines
  await sleep(WAIT_OBSERVED_MS)
  const lines = instance.lockWaitLines - linesBefore + 1
  console.log(
    `"another instance holds the migration lock" logged ${lines} time(s) in ${WAIT_OBSERVED_MS} ms of waiting`,
  )
  if (lines > 2)
    failures.push(`the lock wait is logged on every retry: ${lines} lines in ${WAIT_OBSERVED_MS} ms`)

  const signalled = clock()
  instance.signal('SIGTERM')
  const timer = setTimeout(() => instance.signal('SIGKILL'), 30_000)
  const exit = await instance.exited
  exited = true
  clearTimeout(timer)
  const tookMs = exit.at - signalled
  console.log(
    `SIGTERM while waiting for the lock: exit ${exit.code ?? exit.signal} after ${(tookMs / 1000).toFixed(2)} s`,
  )
  if ((exit.code ?? exit.signal) !== 0) failures.push(`exit ${exit.code ?? exit.signal}, expected 0`)
  if (tookMs > EXIT_WITHIN_MS)
    failures.push(`took ${(tookMs / 1000).toFixed(1)} s to exit, expected ≤ ${EXIT_WITHIN_MS / 1000} s`)
  for (const line of instance.errorLines) console.log(`  logged: ${line}`)
} finally {
  if (instance !== undefined && !exited) instance.signal('SIGKILL')
  await holder.end().catch(() => {})
  await database.drop()
}
if (failures.length > 0) {
  console.log(`FAILED:\n${failures.map((f) => `- ${f}`).join('\n')}`)
  process.exitCode = 1
} else {
  console.log('ok')
}
