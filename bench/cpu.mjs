// Server CPU time per request: a figure that moves far less than req/s when the machine is shared,
// so a change's before/after can be compared on a busy machine. For each server it sends a fixed
// number of requests (after a warm-up) and reads the server process's user+system time from
// /proc/<pid>/stat before and after. Linux only; loopback only; bounded in count and time.
//   node cpu.mjs [--only 1,3] [--requests 20000] [--rounds 3] [--ablate '{"monitoring":{"etag":false}}']
// The database cases (7, 8, 9) read from a database of their own on the real PostgreSQL and also
// print the CPU its server processes spent per request (the load is CPU-bound on a small machine).
import { readdirSync, readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { benchDatabase } from './lib/database.mjs'
import { body, PATIENT_ID, ROUTE } from './lib/fixtures.mjs'
import { load, loadProblem, median } from './lib/load.mjs'
import { killAll, startServer, stopAll } from './lib/processes.mjs'
import { internalToken } from './lib/tokens.mjs'

const { values } = parseArgs({
  options: {
    only: { type: 'string', default: '1,2,3,5' },
    requests: { type: 'string', default: '20000' },
    rounds: { type: 'string', default: '3' },
    // fbi register options merged into the fbi servers' (e.g. '{"monitoring":{"requestLog":false}}'),
    // to see what one feature costs.
    ablate: { type: 'string', default: '{}' },
  },
})
const requests = Number(values.requests)
const rounds = Number(values.rounds)
const TICKS_PER_SECOND = 100 // USER_HZ on Linux

const path = ROUTE.replace(':patient_id', PATIENT_ID)
const bearer = { authorization: `Bearer ${internalToken(PATIENT_ID)}` }
const CASES = {
  1: { name: 'bare Fastify', file: 'fastify-bare.mjs', path, headers: {} },
  2: { name: 'fbi, unprotected', file: 'fbi.mjs', path: path.replace('/patient/', '/open/'), headers: {} },
  3: { name: 'fbi, protected, HS256', file: 'fbi.mjs', path, headers: bearer },
  5: { name: 'Fastify + plugins by hand', file: 'fastify-plugins.mjs', path, headers: bearer },
  7: {
    name: 'fbi, protected, one row from PostgreSQL',
    file: 'fbi-pg.mjs',
    path,
    headers: bearer,
    database: true,
  },
  8: {
    name: 'bare Fastify + @fastify/postgres',
    file: 'fastify-bare-pg.mjs',
    path,
    headers: {},
    database: true,
  },
  9: {
    name: 'Fastify + plugins by hand + @fastify/postgres',
    file: 'fastify-plugins-pg.mjs',
    path,
    headers: bearer,
    database: true,
  },
}

function cpuSeconds(pid) {
  // Fields 14 and 15 of /proc/<pid>/stat (after the parenthesised command name) are utime and stime.
  // User time alone is the steadier figure: loopback TCP work done in softirq context is charged to
  // whichever process happens to be running, server or load generator, so system time wanders.
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  const user = Number(fields[11]) / TICKS_PER_SECOND
  const system = Number(fields[12]) / TICKS_PER_SECOND
  return { user, total: user + system }
}

/** The CPU seconds of every PostgreSQL server process on this machine (its backends included). */
function postgresCpuSeconds() {
  let user = 0
  let total = 0
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    let stat
    try {
      stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    } catch {
      continue // ended between the listing and the read
    }
    if (!stat.includes('(postgres)')) continue
    const cpu = cpuSeconds(pid)
    user += cpu.user
    total += cpu.total
  }
  return { user, total }
}

process.on('exit', killAll)
let database
try {
  console.log(`server CPU per request, ${requests} requests x ${rounds} rounds, -c 50 (median)`)
  if (values.ablate !== '{}') console.log(`fbi servers with ${values.ablate}`)
  for (const id of values.only.split(',')) {
    const c = CASES[id]
    if (!c) throw new Error(`no case ${id}`)
    if (c.database && database === undefined) database = await benchDatabase()
    const env = { BENCH_FBI_OPTIONS: values.ablate, ...(c.database && { BENCH_DATABASE_URL: database.url }) }
    const server = await startServer(c.file, { env })
    const target = { port: server.port, path: c.path, headers: c.headers, connections: 50, maxSeconds: 120 }
    const check = await fetch(`http://127.0.0.1:${server.port}${c.path}`, { headers: c.headers })
    const got = await check.json()
    if (check.status !== 200 || got.patient_id !== body(PATIENT_ID).patient_id) {
      throw new Error(`${c.name}: answered ${check.status} ${JSON.stringify(got)}`)
    }
    await load({ ...target, amount: Math.min(requests, 5000) })
    const perRequest = []
    const userPerRequest = []
    const postgresPerRequest = []
    for (let round = 0; round < rounds; round++) {
      const before = cpuSeconds(server.child.pid)
      const postgresBefore = c.database ? postgresCpuSeconds() : undefined
      const run = await load({ ...target, amount: requests })
      const problem = loadProblem(run)
      if (problem) throw new Error(`${c.name}: ${problem}`)
      const after = cpuSeconds(server.child.pid)
      perRequest.push(((after.total - before.total) / run.total) * 1e6)
      userPerRequest.push(((after.user - before.user) / run.total) * 1e6)
      if (postgresBefore)
        postgresPerRequest.push(((postgresCpuSeconds().total - postgresBefore.total) / run.total) * 1e6)
    }
    const postgres = c.database ? `, PostgreSQL ${median(postgresPerRequest).toFixed(1)}` : ''
    console.log(
      `(${id}) ${c.name}: ${median(perRequest).toFixed(1)} µs/request, user ${median(userPerRequest).toFixed(1)}${postgres}  [${perRequest.map((v) => v.toFixed(1)).join(', ')}] [user ${userPerRequest.map((v) => v.toFixed(1)).join(', ')}]`,
    )
    await server.stop()
  }
} finally {
  await stopAll()
  await database?.drop()
}
