#!/usr/bin/env node
// A mixed soak of fbi with the database on: protected reads and writes and the monitoring probes at a
// fixed rate (autocannon's overallRate) for 60 s, reporting errors (must be 0), latency percentiles
// and memory in the first and last ten seconds; writes results/soak.md.
//
//   node bench/soak.mjs [--seconds 60] [--read-rate 200] [--write-rate 100] [--probe-rate 20]
//
// Needs `pnpm build` first (the server imports the built packages). Uses DATABASE_URL when set (a
// table of its own, dropped at the end), else the embedded PGlite. Loopback only, bounded in time.
import { writeFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import autocannon from 'autocannon'
import { PATIENT_ID, SCOPE } from './lib/fixtures.mjs'
import { killAll, startServer, stopAll } from './lib/processes.mjs'
import { internalToken } from './lib/tokens.mjs'

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '60' },
    'read-rate': { type: 'string', default: '200' },
    'write-rate': { type: 'string', default: '100' },
    'probe-rate': { type: 'string', default: '20' },
    output: { type: 'string', default: new URL('./results/soak.md', import.meta.url).pathname },
  },
})
const seconds = Number(values.seconds)
const rates = {
  read: Number(values['read-rate']),
  write: Number(values['write-rate']),
  probe: Number(values['probe-rate']),
}
for (const [name, value] of Object.entries({ seconds, ...rates })) {
  if (!Number.isInteger(value) || value < 1) {
    console.error(`soak: --${name} must be a positive integer`)
    process.exit(2)
  }
}
const WINDOW_S = Math.min(10, Math.floor(seconds / 3))
const WRITE_CONNECTIONS = 10
// Each reading forces a GC in the server (retained memory, not garbage): every 2 s, so the pauses
// it adds stay a small part of the latency figures.
const SAMPLE_EVERY_MS = 2000
// Whatever happens, the process ends: run + start-up + stop, with room to spare.
const watchdog = setTimeout(
  () => {
    console.error('soak: watchdog fired, stopping')
    killAll()
    process.exit(1)
  },
  (seconds + 120) * 1000,
)
watchdog.unref()
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    killAll()
    process.exit(130)
  })
}

function run(name, options) {
  return new Promise((resolve, reject) => {
    const instance = autocannon({ timeout: 10, duration: seconds, ...options }, (error, result) =>
      error ? reject(error) : resolve({ name, result }),
    )
    const hardStop = setTimeout(() => instance.stop(), (seconds + 15) * 1000)
    instance.on('done', () => clearTimeout(hardStop))
  })
}

function mean(list) {
  return list.reduce((a, b) => a + b, 0) / Math.max(1, list.length)
}
const mb = (bytes) => (bytes / 1024 / 1024).toFixed(1)

async function main() {
  const server = await startServer('fbi-db.mjs', { execArgv: ['--expose-gc'] })
  const base = `http://127.0.0.1:${server.port}`
  const token = internalToken(PATIENT_ID, `${SCOPE} write:patient`)
  const auth = { authorization: `Bearer ${token}` }
  const before = await (await fetch(`${base}/bench/rows`)).json()

  const samples = []
  const started = performance.now()
  const sampler = setInterval(async () => {
    try {
      const m = await server.memory()
      samples.push({ t: (performance.now() - started) / 1000, rss: m.rss, heapUsed: m.heapUsed })
    } catch {}
  }, SAMPLE_EVERY_MS)

  const runs = await Promise.all([
    run('protected read', {
      url: `${base}/dhos/v1/patient/${PATIENT_ID}/reading/latest`,
      headers: auth,
      connections: 10,
      overallRate: rates.read,
    }),
    run('protected write', {
      url: `${base}/dhos/v1/patient/${PATIENT_ID}/reading`,
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ value: 42.5 }),
      connections: WRITE_CONNECTIONS,
      overallRate: rates.write,
    }),
    run('probes', {
      connections: 2,
      overallRate: rates.probe,
      requests: [{ path: '/running' }, { path: '/healthcheck' }],
      url: base,
    }),
  ])
  clearInterval(sampler)
  const after = await (await fetch(`${base}/bench/rows`)).json()
  await stopAll()

  const rows = runs.map(({ name, result }) => ({
    name,
    total: result.requests.total,
    rate: result.requests.average,
    ok: result['2xx'],
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    p50: result.latency.p50,
    p99: result.latency.p99,
    max: result.latency.max,
  }))
  const errors = rows.reduce((n, r) => n + r.non2xx + r.errors + r.timeouts, 0)
  const writes = rows.find((r) => r.name === 'protected write')
  const stored = after.rows - before.rows
  // autocannon stops counting at the deadline with requests in flight: those may be stored, unacknowledged.
  const lost = stored < writes.ok || stored > writes.ok + WRITE_CONNECTIONS
  const first = samples.filter((s) => s.t <= WINDOW_S)
  const last = samples.filter((s) => s.t > seconds - WINDOW_S)
  const memory = {
    rssFirst: mean(first.map((s) => s.rss)),
    rssLast: mean(last.map((s) => s.rss)),
    heapFirst: mean(first.map((s) => s.heapUsed)),
    heapLast: mean(last.map((s) => s.heapUsed)),
  }
  const lines = [
    '# Soak: fbi with the database on',
    '',
    `Run ${new Date().toISOString()} on Node ${process.version}, ${seconds} s at fixed rates (autocannon \`overallRate\`),`,
    `database: ${after.embedded ? 'embedded PGlite (one connection; ENVIRONMENT=STAGING, as production refuses it)' : 'PostgreSQL from DATABASE_URL (pool of 10; ENVIRONMENT=PRODUCTION)'}.`,
    'Reads: `GET /dhos/v1/patient/:id/reading/latest` (HS256 token, `and(scopesPresent, matchKeys)`, one indexed SELECT);',
    'writes: `POST /dhos/v1/patient/:id/reading` (same protection, body validated, one INSERT); probes: `/running` and `/healthcheck` alternately.',
    '',
    '| traffic | target rate/s | requests | 2xx | non-2xx | errors | timeouts | p50 ms | p99 ms | max ms |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...rows.map(
      (r, i) =>
        `| ${r.name} | ${Object.values(rates)[i]} | ${r.total} | ${r.ok} | ${r.non2xx} | ${r.errors} | ${r.timeouts} | ${r.p50} | ${r.p99} | ${r.max} |`,
    ),
    '',
    `Errors (non-2xx + errors + timeouts): **${errors}**. Writes acknowledged: ${writes.ok}; rows stored: ${stored} ` +
      `(${lost ? 'MISMATCH: rows stored do not account for the acknowledged writes' : 'every acknowledged write is there'}; up to ${WRITE_CONNECTIONS} more are writes still in flight when autocannon stopped counting).`,
    '',
    `Memory of the server (after a forced GC, sampled every ${SAMPLE_EVERY_MS / 1000} s; mean of the first vs the last ${WINDOW_S} s):`,
    '',
    '| | first | last | change |',
    '| --- | --- | --- | --- |',
    `| RSS MB | ${mb(memory.rssFirst)} | ${mb(memory.rssLast)} | ${mb(memory.rssLast - memory.rssFirst)} |`,
    `| heap used MB | ${mb(memory.heapFirst)} | ${mb(memory.heapLast)} | ${mb(memory.heapLast - memory.heapFirst)} |`,
    '',
  ]
  writeFileSync(values.output, `${lines.join('\n')}`)
  console.log(lines.join('\n'))
  console.log(`written to ${values.output}`)
  if (errors > 0 || lost) process.exitCode = 1
}

try {
  await main()
} catch (error) {
  console.error(error)
  process.exitCode = 1
  await stopAll().catch(() => killAll())
} finally {
  clearTimeout(watchdog)
}
