#!/usr/bin/env node
// A request still running when fbi's graceful shutdown closes the server: it must be answered, the
// pool must stay open for it, and the process must then exit 0. What a rolling deploy relies on
// when a slow request outlives the drain delay.
//
//   node bench/deploy/request-across-close.mjs
//
// One instance of the example service against a fresh database. A PATCH is held on a row lock
// (SELECT … FOR UPDATE in another session), SIGTERM is sent, and the lock is released only after
// gracefulShutdown.delayMs (5 s), when the server has closed its listener: a new connection is then
// refused, the held PATCH is answered 200 with its change, and the process exits 0. Exits 1
// listing what did not hold. Needs `pnpm build` and PostgreSQL (as rolling-deploy.mjs).
import { randomBytes } from 'node:crypto'
import { tmpdir } from 'node:os'
import { fileURLToPath } from 'node:url'
import { withClient } from '../lib/database.mjs'
import { freshDatabase } from './lib/database.mjs'
import { instanceEnv, startInstance } from './lib/instances.mjs'
import { freePort } from './lib/ports.mjs'
import { mintToken } from './lib/tokens.mjs'
import { sleep } from './lib/wait.mjs'

const SERVICE = fileURLToPath(new URL('../../examples/patients-service', import.meta.url))
// Past @fbi/monitoring's gracefulShutdown.delayMs (5 s): the server is closing by then.
const HOLD_MS = 7000

const runId = randomBytes(4).toString('hex')
const t0 = performance.now()
const clock = () => performance.now() - t0
const hsKey = randomBytes(32).toString('hex')
const port = await freePort()
const base = `http://127.0.0.1:${port}`
const database = await freshDatabase(runId)
const failures = []
let instance
let exited = false
try {
  instance = startInstance({
    name: 'closing',
    serviceDir: SERVICE,
    env: instanceEnv({ databaseUrl: database.url, hsKey, proxyUrl: base, port, poolSize: 2 }),
    logFile: `${tmpdir()}/fbi-request-across-close-${runId}.log`,
    clock,
    listenTimeoutMs: 60_000,
  })
  await instance.listening
  const token = await mintToken(SERVICE, hsKey, base, [
    '--scopes',
    'write:patient',
    '--clinician-id',
    'closing',
  ])
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' }
  const created = await fetch(`${base}/patients/v2/patient`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ first_name: 'Held', last_name: 'Before', date_of_birth: '1990-01-01' }),
  })
  const { uuid } = await created.json()

  await withClient(database.url, async (holder) => {
    await holder.query('BEGIN')
    await holder.query('SELECT 1 FROM patients WHERE uuid = $1 FOR UPDATE', [uuid])
    const patch = fetch(`${base}/patients/v2/patient/${uuid}`, {
      method: 'PATCH',
      headers,
      body: JSON.stringify({ last_name: 'After' }),
      signal: AbortSignal.timeout(30_000),
    }).then(
      async (res) => ({ status: res.status, body: await res.json() }),
      (error) => ({ error: error.cause?.code ?? error.message }),
    )
    await sleep(300)
    instance.signal('SIGTERM')
    await sleep(HOLD_MS)
    const late = await fetch(`${base}/running`, { signal: AbortSignal.timeout(2000) }).then(
      (res) => `answered ${res.status}`,
      (error) => `refused (${error.cause?.code ?? error.message})`,
    )
    console.log(`a new request ${HOLD_MS / 1000} s after SIGTERM: ${late}`)
    if (!late.startsWith('refused')) failures.push(`the server still accepted connections: ${late}`)
    await holder.query('COMMIT')
    const result = await patch
    console.log(`the PATCH held across the close: ${JSON.stringify(result).slice(0, 200)}`)
    if (result.status !== 200 || result.body?.last_name !== 'After') {
      failures.push(
        `the held PATCH was not answered with its change: ${JSON.stringify(result).slice(0, 300)}`,
      )
    }
  })
  const timer = setTimeout(() => instance.signal('SIGKILL'), 20_000)
  const exit = await instance.exited
  exited = true
  clearTimeout(timer)
  console.log(`exit ${exit.code ?? exit.signal}`)
  if ((exit.code ?? exit.signal) !== 0) failures.push(`exit ${exit.code ?? exit.signal}, expected 0`)
  const { rows } = await withClient(database.url, (c) =>
    c.query('SELECT last_name FROM patients WHERE uuid = $1', [uuid]),
  )
  if (rows[0]?.last_name !== 'After')
    failures.push(`the change is not in the database: ${JSON.stringify(rows)}`)
  for (const line of instance.errorLines) failures.push(`logged: ${line}`)
} finally {
  if (instance !== undefined && !exited) instance.signal('SIGKILL')
  await database.drop()
}
if (failures.length > 0) {
  console.log(`FAILED:\n${failures.map((f) => `- ${f}`).join('\n')}`)
  process.exitCode = 1
} else {
  console.log('ok')
}
