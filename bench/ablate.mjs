// Requests per second of an fbi case with batteries switched off, beside its bare reference: what
// each battery costs in throughput (cpu.mjs --ablate gives the same in CPU time). Every variant is a
// fresh server process; rounds are interleaved (one round of each in turn) so a slow moment of the
// machine falls on all of them; medians. Every answer must be a 2xx, or the run fails.
//   node ablate.mjs [--case 7|3] [--rounds 7] [--seconds 5] [--variants '{"name": {fbi options}}']
// Case 7 (a protected route reading one row through @fbi/db) needs PostgreSQL, as run.mjs's cases do.
import { parseArgs } from 'node:util'
import { benchDatabase } from './lib/database.mjs'
import { PATIENT_ID, ROUTE } from './lib/fixtures.mjs'
import { load, median } from './lib/load.mjs'
import { killAll, startServer, stopAll } from './lib/processes.mjs'
import { internalToken, startJwksProvider } from './lib/tokens.mjs'

// The batteries in the order @fbi/all registers them, each variant switching one more on.
const DECOMPOSITION = {
  'config and the case’s own battery': { errors: false, schema: false, monitoring: false, security: false },
  '+ security': { errors: false, schema: false, monitoring: false },
  '+ errors, schema': { monitoring: false },
  '+ monitoring (all of fbi)': {},
}
const CASES = {
  3: { server: 'fbi.mjs', reference: { name: 'bare Fastify (1)', server: 'fastify-bare.mjs' } },
  7: {
    server: 'fbi-pg.mjs',
    reference: { name: 'bare Fastify + @fastify/postgres (8)', server: 'fastify-bare-pg.mjs' },
    database: true,
  },
}

const { values } = parseArgs({
  options: {
    case: { type: 'string', default: '7' },
    rounds: { type: 'string', default: '7' },
    seconds: { type: 'string', default: '5' },
    variants: { type: 'string' },
  },
})
const chosen = CASES[values.case]
if (chosen === undefined) throw new Error(`--case must be one of ${Object.keys(CASES).join(', ')}`)
const variants = values.variants === undefined ? DECOMPOSITION : JSON.parse(values.variants)
const seconds = Number(values.seconds)

const path = ROUTE.replace(':patient_id', PATIENT_ID)
const runs = [
  { name: chosen.reference.name, server: chosen.reference.server, headers: {} },
  ...Object.entries(variants).map(([name, options]) => ({
    name: `fbi: ${name}`,
    server: chosen.server,
    headers: { authorization: `Bearer ${internalToken(PATIENT_ID)}` },
    options,
  })),
]

const jwks = await startJwksProvider()
const database = chosen.database ? await benchDatabase() : undefined
process.on('SIGINT', () => {
  killAll()
  process.exit(130)
})
try {
  const rps = new Map(runs.map((run) => [run, []]))
  for (let round = 0; round < Number(values.rounds); round++) {
    for (const run of runs) {
      const server = await startServer(run.server, {
        env: {
          BENCH_JWKS_URL: jwks.url,
          ...(database && { BENCH_DATABASE_URL: database.url }),
          BENCH_FBI_OPTIONS: JSON.stringify(run.options ?? {}),
        },
      })
      try {
        const common = { port: server.port, path, headers: run.headers, connections: 50 }
        await load({ ...common, seconds: 2, maxSeconds: 10 })
        const result = await load({ ...common, seconds, maxSeconds: seconds + 10 })
        if (result.non2xx > 0 || result.errors > 0 || result.timeouts > 0)
          throw new Error(
            `${run.name}: ${result.non2xx} non-2xx, ${result.errors} errors, ${result.timeouts} timeouts`,
          )
        rps.get(run).push(result.rps)
      } finally {
        await server.stop()
      }
    }
  }
  const reference = median(rps.get(runs[0]))
  console.log(`case ${values.case}, ${values.rounds} interleaved rounds of ${seconds} s, -c 50, medians`)
  for (const run of runs) {
    const mid = median(rps.get(run))
    console.log(
      `${run.name.padEnd(48)} ${Math.round(mid).toLocaleString('en-US').padStart(7)} req/s  ${(mid / reference).toFixed(2)}×  [${rps
        .get(run)
        .map(Math.round)
        .join(', ')}]`,
    )
  }
} finally {
  stopAll()
  await jwks.close()
  await database?.drop()
}
