// The benchmark runner: `pnpm bench` (full run, writes results/latest.*), `pnpm bench --smoke`
// (every server up, one short round, checks, writes nothing). See README.md.
import { execFile } from 'node:child_process'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { parseArgs, promisify } from 'node:util'
import { benchDatabase } from './lib/database.mjs'
import { body, OPEN_ROUTE, OTHER_PATIENT_ID, PATIENT_ID, ROUTE } from './lib/fixtures.mjs'
import { checkResponses, load, loadProblem, median } from './lib/load.mjs'
import { startOtlpSink } from './lib/otlp-sink.mjs'
import { killAll, startServer, stopAll } from './lib/processes.mjs'
import { summarise } from './lib/profile-summary.mjs'
import { machine, markdown, svg } from './lib/report.mjs'
import { internalToken, startJwksProvider } from './lib/tokens.mjs'

const HERE = fileURLToPath(new URL('.', import.meta.url))

const CASES = [
  { id: 1, name: 'bare Fastify', server: 'fastify-bare.mjs', route: ROUTE, bare: true },
  { id: 2, name: 'fbi, unprotected route', server: 'fbi.mjs', route: OPEN_ROUTE, fbi: true },
  { id: 3, name: 'fbi, protected, HS256 token', server: 'fbi.mjs', route: ROUTE, fbi: true, token: 'hs' },
  {
    id: 4,
    name: 'fbi, protected, RS256 token (JWKS)',
    server: 'fbi.mjs',
    route: ROUTE,
    fbi: true,
    token: 'rs',
  },
  { id: 5, name: 'Fastify + plugins by hand', server: 'fastify-plugins.mjs', route: ROUTE, token: 'hs' },
  { id: 6, name: 'Express 5 stack', server: 'express.mjs', route: ROUTE, token: 'hs' },
  // The route users care about most after auth: a protected read of one row from PostgreSQL.
  {
    id: 7,
    name: 'fbi, protected, HS256, one row from PostgreSQL (@fbi/db)',
    server: 'fbi-pg.mjs',
    route: ROUTE,
    fbi: true,
    token: 'hs',
    database: true,
  },
  {
    id: 8,
    name: 'bare Fastify + @fastify/postgres, same query',
    server: 'fastify-bare-pg.mjs',
    route: ROUTE,
    database: true,
    bare: true,
  },
  {
    id: 9,
    name: 'Fastify + plugins by hand + @fastify/postgres',
    server: 'fastify-plugins-pg.mjs',
    route: ROUTE,
    token: 'hs',
    database: true,
  },
  {
    id: 10,
    name: 'fbi, protected, HS256, traced (100%)',
    server: 'fbi-traced.mjs',
    route: ROUTE,
    fbi: true,
    token: 'hs',
    env: { BENCH_TRACE_RATIO: '1' },
  },
  {
    id: 11,
    name: 'fbi, protected, HS256, traced (1%)',
    server: 'fbi-traced.mjs',
    route: ROUTE,
    fbi: true,
    token: 'hs',
    env: { BENCH_TRACE_RATIO: '0.01' },
  },
]

const TARGETS = [
  { label: '(3) / (1)', a: 3, b: 1, min: 0.5 },
  { label: '(3) / (5)', a: 3, b: 5, min: 2.5 },
  { label: '(3) / (6)', a: 3, b: 6, min: 5 },
  { label: '(4) / (1)', a: 4, b: 1, min: 0.4 },
  { label: '(7) / (8)', a: 7, b: 8, min: 0.9 },
]

/** A mistake on the command line: reported without a stack. */
function usage(message) {
  return Object.assign(new Error(message), { usage: true })
}

function options() {
  let parsed
  try {
    parsed = parseArgs({
      allowPositionals: true, // `pnpm bench -- --smoke` passes a literal "--"
      options: {
        smoke: { type: 'boolean', default: false },
        rounds: { type: 'string' },
        seconds: { type: 'string' },
        warmup: { type: 'string' },
        connections: { type: 'string' },
        only: { type: 'string' },
        profile: { type: 'string' },
      },
    })
  } catch (error) {
    throw usage(error.message)
  }
  const { values } = parsed
  const number = (name, fallback) => {
    if (values[name] === undefined) return fallback
    const n = Number(values[name])
    if (!Number.isFinite(n) || n <= 0) throw usage(`--${name} must be a positive number`)
    return n
  }
  const smoke = values.smoke
  const only = values.only?.split(',').map(Number)
  const ids = CASES.map((c) => c.id)
  if (only !== undefined && !only.every((id) => ids.includes(id))) {
    throw usage(`--only takes case numbers among ${ids.join(', ')}`)
  }
  return {
    smoke,
    rounds: smoke ? 1 : Math.round(number('rounds', 5)),
    seconds: smoke ? 1 : number('seconds', 5),
    warmup: smoke ? 0 : number('warmup', 3),
    connections: smoke ? 10 : Math.round(number('connections', 50)),
    startupSamples: smoke ? 1 : 9,
    memoryAmounts: smoke ? [1000, 2000] : [10_000, 100_000],
    only,
    profile: values.profile === undefined ? undefined : Number(values.profile),
  }
}

const log = (line) => process.stdout.write(`${line}\n`)
const t0 = performance.now()
/** A progress line, with the seconds since the runner started. */
const progress = (line) => log(`[${((performance.now() - t0) / 1000).toFixed(1).padStart(5)} s] ${line}`)

/** Why the fbi servers cannot run yet, or undefined; checked in a child so the runner loads nothing of fbi. */
async function fbiUnavailable() {
  const probe = `
    const all = await import('@fbi/all').catch((e) => ({ importError: e.message }))
    const security = await import('@fbi/security').catch((e) => ({ importError: e.message }))
    const why = all.importError ? 'cannot import @fbi/all: ' + all.importError
      : typeof all.default !== 'function' ? '@fbi/all has no plugin yet (its default export is not a function)'
      : typeof all.fbiServerOptions !== 'function' ? '@fbi/all does not export fbiServerOptions yet'
      : security.importError ? 'cannot import @fbi/security: ' + security.importError
      : ['and', 'scopesPresent', 'matchKeys'].filter((n) => typeof security[n] !== 'function')
          .map((n) => '@fbi/security does not export ' + n + ' yet').join('; ')
    process.stdout.write(why)`
  const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', probe], {
    cwd: HERE,
    timeout: 30_000,
  })
  return stdout.trim() || undefined
}

function authHeaders(tokenKind, tokens, patientId = PATIENT_ID, scope) {
  if (tokenKind === undefined) return {}
  const token = tokenKind === 'hs' ? tokens.hs(patientId, scope) : tokens.rs(patientId, scope)
  return { authorization: `Bearer ${token}` }
}

/** What a case must answer before it is measured: the body, and for protected routes 401 and 403. */
function checksFor(c, tokens) {
  const path = c.route.replace(':patient_id', PATIENT_ID)
  const checks = [
    {
      what: 'the route',
      path,
      headers: authHeaders(c.token, tokens),
      status: 200,
      body: body(PATIENT_ID),
      // Every server but the bare ones does the same work: a request id and an ETag on each answer.
      expectHeaders: c.bare ? [] : ['x-request-id', 'etag'],
    },
  ]
  if (c.token !== undefined) {
    checks.push(
      { what: 'no token', path, headers: {}, status: 401 },
      {
        what: "another patient's token",
        path,
        headers: authHeaders(c.token, tokens, OTHER_PATIENT_ID),
        status: 403,
      },
      {
        what: 'a token without the scope',
        path,
        headers: authHeaders(c.token, tokens, PATIENT_ID, 'other:scope'),
        status: 403,
      },
    )
  }
  return checks
}

async function measure(opts, cases, tokens, jwks, otlp, database) {
  const env = {
    BENCH_JWKS_URL: jwks.url,
    BENCH_OTLP_URL: otlp.url,
    ...(database && { BENCH_DATABASE_URL: database.url }),
  }
  // Started together: their startup is not what is measured here (see startup()).
  const starting = cases.filter((c) => c.status === undefined)
  await Promise.all(
    starting.map(async (c) => {
      try {
        c.process = await startServer(c.server, { env: { ...env, ...c.env } })
        const problems = await checkResponses(c.process.port, checksFor(c, tokens))
        if (problems.length > 0) throw new Error(problems.join('; '))
        c.path = c.route.replace(':patient_id', PATIENT_ID)
        c.headers = authHeaders(c.token, tokens)
        progress(`(${c.id}) ${c.name}: up on port ${c.process.port}, answers checked`)
      } catch (error) {
        c.status = 'failed'
        c.reason = error.message
        progress(`(${c.id}) ${c.name}: FAILED ${error.message}`)
        await c.process?.stop()
      }
    }),
  )
  const live = cases.filter((c) => c.status === undefined)
  // Only the measured server runs; the others are paused (full runs only: the smoke run keeps them
  // running so an interrupted CI job can never leave stopped processes behind).
  const isolate = (measured) => {
    if (opts.smoke) return
    // Whatever their status: a server that failed a round is still running until the end.
    for (const c of live) if (c !== measured) c.process.pause()
    measured.process.resume()
  }
  const run = (c, seconds) => {
    isolate(c)
    return load({
      port: c.process.port,
      path: c.path,
      headers: c.headers,
      connections: opts.connections,
      seconds,
      maxSeconds: seconds + 15,
    })
  }

  if (opts.warmup > 0) {
    for (const c of live) await run(c, opts.warmup)
    progress(`warm-up done (${opts.warmup} s each)`)
  }
  for (const c of live) c.runs = []
  for (let round = 0; round < opts.rounds; round++) {
    // Servers taken in turn, starting one further each round, so drift on a shared machine
    // spreads over all of them instead of landing on whoever runs last.
    const order = live.slice(round % live.length).concat(live.slice(0, round % live.length))
    for (const c of order) {
      if (c.status !== undefined) continue
      const result = await run(c, opts.seconds)
      const problem = loadProblem(result)
      if (problem !== undefined) {
        c.status = 'failed'
        c.reason = `round ${round + 1}: ${problem}`
        progress(`(${c.id}) ${c.name}: FAILED ${c.reason}`)
        continue
      }
      c.runs.push(result)
    }
    progress(
      `round ${round + 1}/${opts.rounds}: ${live.map((c) => `(${c.id}) ${c.runs.at(-1) ? Math.round(c.runs.at(-1).rps) : '–'}`).join('  ')}`,
    )
  }
  for (const c of live) c.process.resume()
  for (const c of live) {
    await c.process.stop()
    if (c.status !== undefined) continue
    c.status = 'ok'
    c.rps = median(c.runs.map((r) => r.rps))
    c.p50 = median(c.runs.map((r) => r.p50))
    c.p99 = median(c.runs.map((r) => r.p99))
    c.rounds = c.runs.map((r) => r.rps)
  }
  const base = cases.find((c) => c.id === 1)
  for (const c of cases) if (c.status === 'ok' && base?.status === 'ok') c.ratio = c.rps / base.rps
}

async function startup(opts, cases, jwks, fbiMissing) {
  const targets = [
    { name: 'fbi (@fbi/all, no database)', server: 'fbi.mjs', missing: fbiMissing, caseId: 2 },
    { name: 'bare Fastify, for reference', server: 'fastify-bare.mjs', caseId: 1, bare: true },
    // The floor: what the libraries fbi is built on cost to load and set up, with no fbi code.
    { name: "Fastify + fbi's libraries, no fbi code", server: 'fastify-libraries.mjs' },
  ]
  const results = new Map()
  const samples = new Map(targets.map((t) => [t, { wall: [], ready: [] }]))
  for (const t of targets) {
    if (t.missing !== undefined) {
      results.set(t, { name: t.name, reason: 'not available yet' })
      continue
    }
    const started = cases.find((c) => c.id === t.caseId)?.process
    if (opts.smoke && started !== undefined) {
      // The smoke run only proves the path works: it reuses the start of the case's server.
      results.set(t, {
        name: `${t.name}, smoke`,
        samples: 1,
        wallMs: started.wallMs,
        readyMs: started.readyMs,
      })
    }
  }
  // Interleaved (one start of each in turn), so a slow moment of the machine falls on all of them.
  for (let i = 0; i < opts.startupSamples; i++) {
    for (const t of targets) {
      if (results.has(t)) continue
      try {
        const server = await startServer(t.server, { env: { BENCH_JWKS_URL: jwks.url } })
        samples.get(t).wall.push(server.wallMs)
        samples.get(t).ready.push(server.readyMs)
        await server.stop()
      } catch (error) {
        results.set(t, { name: t.name, reason: `failed: ${error.message}`, failed: true })
      }
    }
  }
  for (const t of targets) {
    if (results.has(t)) continue
    const { wall, ready } = samples.get(t)
    results.set(t, { name: t.name, samples: wall.length, wallMs: median(wall), readyMs: median(ready) })
  }
  const bare = results.get(targets.find((t) => t.bare))
  return targets.map((t) => {
    const result = results.get(t)
    if (result.wallMs === undefined || bare?.wallMs === undefined) return result
    return { ...result, ratio: result.wallMs / bare.wallMs }
  })
}

/** RSS and heap of a fresh server after `first` and then `second` requests; bare Fastify alongside. */
async function memory(opts, tokens, jwks, fbiMissing) {
  const [first, second] = opts.memoryAmounts
  const targets = [
    { name: 'fbi, protected, HS256 token (3)', server: 'fbi.mjs', token: 'hs', missing: fbiMissing },
    // How much RSS a plain Fastify process gains over the same requests: growth up to that is
    // V8 and the allocator settling, not a leak.
    { name: 'bare Fastify (1), for reference', server: 'fastify-bare.mjs' },
  ]
  const servers = []
  for (const t of targets) {
    if (t.missing !== undefined) {
      servers.push({ name: t.name, reason: 'not available yet' })
      continue
    }
    let server
    try {
      server = await startServer(t.server, { env: { BENCH_JWKS_URL: jwks.url }, execArgv: ['--expose-gc'] })
      const send = async (amount) => {
        const result = await load({
          port: server.port,
          path: ROUTE.replace(':patient_id', PATIENT_ID),
          headers: authHeaders(t.token, tokens),
          connections: opts.connections,
          amount,
          maxSeconds: 120,
        })
        const problem = loadProblem(result)
        if (problem !== undefined) throw new Error(`memory run of ${t.name}: ${problem}`)
        if (result.total < amount) {
          throw new Error(`memory run of ${t.name}: only ${result.total} of ${amount} requests in 120 s`)
        }
      }
      await send(first)
      const before = await server.memory()
      await send(second - first)
      servers.push({ name: t.name, before, after: await server.memory() })
    } catch (error) {
      servers.push({ name: t.name, reason: `failed: ${error.message}`, failed: true })
    } finally {
      await server?.stop()
    }
  }
  return { first, second, servers }
}

async function profile(opts, tokens, jwks, otlp, database) {
  const c = CASES.find((x) => x.id === opts.profile)
  if (c === undefined) throw usage(`--profile must be one of ${CASES.map((x) => x.id).join(', ')}`)
  const name = `case-${c.id}-${new Date().toISOString().replace(/[:.]/g, '-')}.cpuprofile`
  const server = await startServer(c.server, {
    env: {
      BENCH_JWKS_URL: jwks.url,
      BENCH_OTLP_URL: otlp.url,
      ...(database && { BENCH_DATABASE_URL: database.url }),
      ...c.env,
    },
    execArgv: ['--cpu-prof', `--cpu-prof-dir=${HERE}results`, `--cpu-prof-name=${name}`],
  })
  try {
    const problems = await checkResponses(server.port, checksFor(c, tokens))
    if (problems.length > 0) throw new Error(problems.join('; '))
    const result = await load({
      port: server.port,
      path: c.route.replace(':patient_id', PATIENT_ID),
      headers: authHeaders(c.token, tokens),
      connections: opts.connections,
      seconds: opts.seconds,
      maxSeconds: opts.seconds + 15,
    })
    progress(`(${c.id}) ${c.name}: ${Math.round(result.rps)} req/s while profiling (profiling slows it down)`)
  } finally {
    await server.stop()
  }
  log(`profile written to results/${name} (open it in Chrome DevTools or speedscope)\n`)
  // The whole process is profiled, its startup included; the load round dominates the samples.
  log(summarise(JSON.parse(await readFile(`${HERE}results/${name}`, 'utf8'))))
}

async function main() {
  const opts = options()
  const host = machine()
  const started = performance.now()
  // A safety net, not the target: a smoke run takes well under a minute on an idle machine.
  const budgetMs = opts.smoke
    ? 90_000
    : (CASES.length * (opts.warmup + opts.rounds * (opts.seconds + 2)) + 300) * 1000
  const watchdog = setTimeout(() => {
    console.error(`bench: still running after ${Math.round(budgetMs / 1000)} s, giving up`)
    killAll()
    process.exit(1)
  }, budgetMs)
  watchdog.unref()

  // The probe runs in its own process while the key pair is generated here.
  const probe = opts.profile === undefined ? fbiUnavailable() : Promise.resolve(undefined)
  probe.catch(() => {})
  const jwks = await startJwksProvider()
  const otlp = await startOtlpSink()
  let database
  try {
    const tokens = { hs: internalToken, rs: jwks.token }
    if (opts.profile !== undefined) {
      if (CASES.find((c) => c.id === opts.profile)?.database) {
        database = await benchDatabase()
      }
      return await profile(opts, tokens, jwks, otlp, database)
    }

    const fbiMissing = await probe
    if (fbiMissing !== undefined)
      progress(`fbi servers (2), (3), (4), (7), (10), (11): not available yet: ${fbiMissing}`)
    const cases = CASES.filter((c) => opts.only === undefined || opts.only.includes(c.id)).map((c) => ({
      ...c,
      ...(c.fbi && fbiMissing !== undefined ? { status: 'unavailable', reason: fbiMissing } : {}),
    }))

    // The database cases read from a database of the run's own (lib/database.mjs), dropped at the end.
    if (cases.some((c) => c.database && c.status === undefined)) {
      database = await benchDatabase()
      progress(`database cases on ${database.name}`)
    }
    await measure(opts, cases, tokens, jwks, otlp, database)
    const report = {
      date: `${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC`,
      machine: host,
      settings: opts,
      cases,
      targets: TARGETS.map((t) => {
        const a = cases.find((c) => c.id === t.a)
        const b = cases.find((c) => c.id === t.b)
        return { ...t, value: a?.status === 'ok' && b?.status === 'ok' ? a.rps / b.rps : undefined }
      }),
      jwksFetches: jwks.fetches,
      otlpExports: { requests: otlp.requests, bytes: otlp.bytes },
    }
    progress('startup times')
    report.startup = await startup(opts, cases, jwks, fbiMissing)
    progress('memory')
    report.memory = await memory(opts, tokens, jwks, fbiMissing)
    progress(`done (the OTLP sink took ${otlp.requests} exports, ${otlp.bytes} bytes)`)
    const text = markdown(report)
    log(`\n${text}`)

    const failed = [
      ...cases.filter((c) => c.status === 'failed'),
      ...report.startup.filter((s) => s.failed),
      ...report.memory.servers.filter((s) => s.failed),
    ]
    const unavailable = cases.filter((c) => c.status === 'unavailable')
    if (opts.smoke) {
      log(
        `smoke: ${cases.filter((c) => c.status === 'ok').length} of ${cases.length} servers answered, ${failed.length} failures, ${unavailable.length} not available yet, ${((performance.now() - started) / 1000).toFixed(1)} s`,
      )
    } else if (opts.only === undefined && failed.length === 0) {
      await mkdir(`${HERE}results`, { recursive: true })
      await writeFile(`${HERE}results/latest.md`, `# Benchmark results\n\n${text}`)
      await writeFile(`${HERE}results/latest.svg`, svg(report))
      log('wrote results/latest.md and results/latest.svg')
    } else {
      log('partial run (--only) or failures: results/latest.* left as they were (the report is above)')
    }
    // @fbi/all has its plugin now: in the smoke run (CI) fbi missing is rot, not work in progress.
    if (failed.length > 0 || (opts.smoke && unavailable.length > 0)) process.exitCode = 1
  } finally {
    await stopAll()
    await jwks.close()
    await otlp.close()
    await database?.drop()
    clearTimeout(watchdog)
  }
}

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    killAll()
    process.exit(130)
  })
}
process.once('exit', killAll)

main().catch(async (error) => {
  console.error(`bench: ${error.usage ? error.message : (error.stack ?? error)}`)
  await stopAll().catch(() => killAll())
  process.exit(1)
})
