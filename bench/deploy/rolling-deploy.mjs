#!/usr/bin/env node
// The rolling-deploy harness: three instances of examples/patients-service against the real
// PostgreSQL, HAProxy in front, steady mixed traffic through it, and every instance replaced one by
// one (SIGTERM, wait for the exit, start a new one, wait until HAProxy marks it up), twice over.
// Reports failed requests and connection resets seen by the clients (must be 0), the acknowledged
// writes checked in the database, p99 latency before / during / after the deploy, and each
// instance's start-to-ready time. See README.md.
//
//   node bench/deploy/rolling-deploy.mjs --short               # CI's form: about a minute
//   node bench/deploy/rolling-deploy.mjs --start both --output bench/results/rolling-deploy.md
//
// Needs `pnpm build`, Debian's haproxy (`.ci/rolling-deploy.sh` installs it) and a PostgreSQL server
// (FBI_TEST_DATABASE_URL, else postgres://postgres@127.0.0.1:5432): a database of its own per
// scenario, dropped at the end. Loopback only, fixed rates, every step bounded in time.
import { randomBytes } from 'node:crypto'
import { mkdir, writeFile } from 'node:fs/promises'
import { cpus, loadavg, tmpdir } from 'node:os'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { appliedMigrations, checkWrites, freshDatabase, shippedMigrations } from './lib/database.mjs'
import { BACKEND, SERVERS, startHaproxy } from './lib/haproxy.mjs'
import { instanceEnv, startInstance } from './lib/instances.mjs'
import { prepareNextVersion } from './lib/next-version.mjs'
import { freePort } from './lib/ports.mjs'
import { haproxyLogFigures, phaseFigures, scenarioMarkdown } from './lib/summary.mjs'
import { mintToken } from './lib/tokens.mjs'
import { startTraffic } from './lib/traffic.mjs'
import { sleep } from './lib/wait.mjs'

const REPO = fileURLToPath(new URL('../../', import.meta.url))

const PROFILES = Object.freeze({
  // CI: short and light, bounded well under two minutes.
  short: { baselineS: 8, afterS: 4, rates: { read: 60, create: 15, update: 5 }, budgetS: 150 },
  // The documented run.
  long: { baselineS: 30, afterS: 15, rates: { read: 150, create: 40, update: 10 }, budgetS: 420 },
})
const SEEDS = 40
const POOL_SIZE = 5
// A new instance must answer /running within this (migrations included), and be marked UP after.
const LISTEN_TIMEOUT_MS = 60_000
const UP_TIMEOUT_MS = 20_000
// fbi's graceful shutdown: gracefulShutdown.delayMs (5 s) + timeoutMs (10 s), plus room.
const EXIT_TIMEOUT_MS = 25_000
// The instances' key and issuer: a harness-only secret, long enough for HS512.
const HS_KEY = `deploy-harness-${randomBytes(32).toString('hex')}`

function options() {
  const { values } = parseArgs({
    options: {
      short: { type: 'boolean', default: false },
      start: { type: 'string', default: 'together' },
      rounds: { type: 'string', default: '2' },
      signal: { type: 'string', default: 'SIGTERM' },
      'service-dir': { type: 'string', default: `${REPO}examples/patients-service` },
      'same-version': { type: 'boolean', default: false },
      output: { type: 'string' },
    },
  })
  const rounds = Number(values.rounds)
  if (!Number.isInteger(rounds) || rounds < 1) throw new Error('--rounds must be a positive integer')
  if (!['together', 'sequential', 'both'].includes(values.start)) {
    throw new Error('--start must be together, sequential or both')
  }
  // SIGKILL is the negative control: a process that dies without draining must show up as failures.
  if (!['SIGTERM', 'SIGKILL'].includes(values.signal)) throw new Error('--signal must be SIGTERM or SIGKILL')
  const profile = PROFILES[values.short ? 'short' : 'long']
  const starts = values.start === 'both' ? ['sequential', 'together'] : [values.start]
  return { ...values, ...profile, rounds, starts, profileName: values.short ? 'short' : 'long' }
}

async function post(url, path, token, body) {
  const res = await fetch(`${url}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  })
  const json = await res.json()
  if (res.status !== 201)
    throw new Error(`seeding: POST ${path} answered ${res.status} ${JSON.stringify(json)}`)
  return json
}

const running = new Set()

async function scenario(opts, start) {
  const runId = randomBytes(4).toString('hex')
  const runDir = `${tmpdir()}/fbi-deploy-${runId}`
  await mkdir(runDir, { recursive: true })
  const t0 = performance.now()
  const clock = () => performance.now() - t0
  const say = (line) => process.stdout.write(`[${(clock() / 1000).toFixed(1).padStart(5)} s] ${line}\n`)
  const problems = []
  const database = await freshDatabase(runId)
  const instances = []
  const haproxyLines = []
  let haproxy
  say(`scenario ${start}: database ${database.name}, logs in ${runDir}`)
  try {
    const frontendPort = await freePort()
    const ports = [await freePort(), await freePort(), await freePort()]
    const proxyUrl = `http://127.0.0.1:${frontendPort}`
    // Round 1 deploys the next version (one more migration) unless --same-version.
    const versions = [opts['service-dir']]
    if (!opts['same-version']) {
      await mkdir(`${runDir}/next-version`)
      versions.push(await prepareNextVersion(opts['service-dir'], `${runDir}/next-version`))
    }
    const launch = (slot, how, serviceDir = versions[0]) => {
      const name = `${SERVERS[slot]}.${instances.filter((i) => i.slot === slot).length}`
      const instance = startInstance({
        name,
        serviceDir,
        env: instanceEnv({
          databaseUrl: database.url,
          hsKey: HS_KEY,
          proxyUrl,
          port: ports[slot],
          poolSize: POOL_SIZE,
        }),
        logFile: `${runDir}/${name}.log`,
        clock,
        listenTimeoutMs: LISTEN_TIMEOUT_MS,
      })
      Object.assign(instance, { slot, how })
      instances.push(instance)
      running.add(instance)
      instance.exited.then((exit) => {
        running.delete(instance)
        instance.exit = exit
      })
      return instance
    }
    const ready = async (instance) => {
      await instance.listening
      await haproxy.waitFor(SERVERS[instance.slot], 'UP', UP_TIMEOUT_MS)
      instance.upAt = clock()
    }

    haproxy = await startHaproxy({
      runDir,
      frontendPort,
      ports,
      logFile: `${runDir}/haproxy.log`,
      onLog: (line) => haproxyLines.push(line),
    })
    running.add(haproxy)
    if (start === 'together') {
      // All three at the same moment against the empty database: they race for the migrations.
      const first = [0, 1, 2].map((slot) => launch(slot, 'initial, all three at once'))
      await Promise.all(first.map(ready))
    } else {
      for (const slot of [0, 1, 2]) await ready(launch(slot, 'initial, one after another'))
    }
    say(`3 instances up behind HAProxy on ${proxyUrl}`)

    const clinician = await mintToken(opts['service-dir'], HS_KEY, proxyUrl, [
      '--scopes',
      'read:patient:all',
      'write:patient',
      '--clinician-id',
      'deploy-harness',
    ])
    const seeds = []
    for (let i = 0; i < SEEDS; i++) {
      seeds.push(
        await post(proxyUrl, '/patients/v2/patient', clinician, {
          first_name: `seed-${runId}-${i}`,
          last_name: 'Seed',
          date_of_birth: '1970-01-01',
        }),
      )
    }
    const ownPatientId = seeds[0].uuid
    const patient = await mintToken(opts['service-dir'], HS_KEY, proxyUrl, [
      '--scopes',
      'read:patient',
      '--patient-id',
      ownPatientId,
    ])
    say(`${SEEDS} patients seeded; traffic starts: ${JSON.stringify(opts.rates)} per second`)

    const traffic = startTraffic({
      url: proxyUrl,
      tokens: { clinician, patient },
      seeds: seeds.map((s) => ({ uuid: s.uuid })),
      ownPatientId,
      rates: opts.rates,
      clock,
      runId,
    })
    const loadStart = clock()
    await sleep(opts.baselineS * 1000)
    const deployStart = clock()
    for (let round = 1; round <= opts.rounds; round++) {
      for (const slot of [0, 1, 2]) {
        const old = instances.findLast((i) => i.slot === slot)
        old.signalAt = clock()
        old.signal(opts.signal)
        const down = haproxy.waitFor(SERVERS[slot], 'DOWN', UP_TIMEOUT_MS).then(() => {
          old.downAt = clock()
        })
        const exitTimer = setTimeout(() => {
          problems.push(`${old.name} had not exited ${EXIT_TIMEOUT_MS} ms after ${opts.signal}: killed`)
          old.signal('SIGKILL')
        }, EXIT_TIMEOUT_MS)
        await old.exited
        clearTimeout(exitTimer)
        await down
        if (old.exit.at < old.downAt) {
          problems.push(`${old.name} exited before HAProxy took it out of rotation`)
        }
        const next = launch(
          slot,
          `round ${round}${versions.length > 1 && round === 1 ? ', next version (+1 migration)' : ''}`,
          versions.at(-1),
        )
        await ready(next)
        say(
          `round ${round}: ${old.name} → ${next.name} (out of rotation after ${((old.downAt - old.signalAt) / 1000).toFixed(2)} s, exit ${old.exit.code ?? old.exit.signal} after ${((old.exit.at - old.signalAt) / 1000).toFixed(2)} s; new one ready in ${((next.upAt - next.spawnedAt) / 1000).toFixed(2)} s)`,
        )
      }
    }
    const deployEnd = clock()
    await sleep(opts.afterS * 1000)
    await traffic.stop()
    const loadEnd = clock()
    say(`traffic stopped: ${traffic.records.length} requests`)

    const phases = {
      [`before (${((deployStart - loadStart) / 1000).toFixed(0)} s)`]: traffic.records.filter(
        (r) => r.startedAt < deployStart,
      ),
      [`during the deploy (${((deployEnd - deployStart) / 1000).toFixed(0)} s)`]: traffic.records.filter(
        (r) => r.startedAt >= deployStart && r.startedAt <= deployEnd,
      ),
      [`after (${((loadEnd - deployEnd) / 1000).toFixed(0)} s)`]: traffic.records.filter(
        (r) => r.startedAt > deployEnd,
      ),
    }
    const figures = Object.fromEntries(
      Object.entries(phases).map(([name, records]) => [name, phaseFigures(records)]),
    )
    for (const [name, p] of Object.entries(figures)) {
      if (p.failed === 0) continue
      const samples = phases[name].filter((r) => r.outcome !== 'ok').slice(0, 3)
      problems.push(
        `${p.failed} request(s) failed ${name}: ${JSON.stringify(p.failures)}; first: ${samples.map((r) => JSON.stringify(r)).join('; ')}`,
      )
    }

    const writes = await checkWrites(database.url, runId, traffic.writes)
    writes.acknowledgedUpdates = traffic.writes.updatesAcknowledged
    if (writes.missingCreates.length + writes.lostUpdates.length + writes.duplicates.length > 0) {
      problems.push(
        `acknowledged writes not in the database: ${JSON.stringify({ missing: writes.missingCreates.slice(0, 5), lost: writes.lostUpdates.slice(0, 5), duplicates: writes.duplicates.slice(0, 5) })}`,
      )
    }
    if (writes.unacknowledged.length > 0) {
      problems.push(
        `rows written whose client saw no acknowledgement: ${writes.unacknowledged.slice(0, 5).join(', ')}`,
      )
    }

    const shipped = await shippedMigrations(versions.at(-1))
    const migrations = await appliedMigrations(database.url)
    const migratedBy = instances.filter((i) => i.migrationsRun.length > 0).map((i) => i.name)
    const recorded = migrations.map((m) => m.name)
    if (
      migrations.some((m) => m.times !== 1) ||
      recorded.join() !== shipped.join() ||
      instances.flatMap((i) => i.migrationsRun).length !== shipped.length
    ) {
      problems.push(
        `migrations not applied exactly once: shipped ${shipped.join(', ')}; recorded ${JSON.stringify(migrations)}; run by ${JSON.stringify(instances.map((i) => [i.name, i.migrationsRun]))}`,
      )
    }

    const rows = await haproxy.stat()
    const backend = rows.find((r) => r.pxname === BACKEND && r.svname === 'BACKEND')
    const logFigures = haproxyLogFigures(haproxyLines)
    const haproxyFigures = {
      ...logFigures,
      retries: backend.wretr,
      redispatches: backend.wredis,
      connectionErrors: backend.econ,
      responseErrors: backend.eresp,
    }
    if (logFigures.notable.length > 0 || backend.wretr > 0 || backend.wredis > 0) {
      problems.push(
        `HAProxy retried or cut requests (a retry hides an instance that took traffic it could not serve): ${JSON.stringify(logFigures.notable.slice(0, 5))}; wretr ${backend.wretr}, wredis ${backend.wredis}`,
      )
    }

    // The instances still running stop the way they would at the end of a deploy.
    for (const i of [...running].filter((r) => r !== haproxy)) i.signal('SIGTERM')
    await Promise.all(instances.map((i) => i.exited))
    for (const i of instances) {
      const expected = opts.signal === 'SIGKILL' && i.signalAt !== undefined ? 'SIGKILL' : 0
      if ((i.exit.code ?? i.exit.signal) !== expected) {
        problems.push(`${i.name} exited with ${i.exit.code ?? i.exit.signal}, expected ${expected}`)
      }
      for (const line of i.errorLines) problems.push(`${i.name} logged: ${line}`)
    }

    return {
      title:
        start === 'together'
          ? 'All three instances started at the same moment on a fresh database'
          : 'Instances started one after another on a fresh database',
      description:
        `${opts.rounds} full replacement round(s) with ${opts.signal}; traffic ${opts.rates.read} reads, ${opts.rates.create} creates and ` +
        `${opts.rates.update} updates per second through HAProxy (fixed rates, open loop), ${SEEDS} seeded patients, pool of ${POOL_SIZE} per instance` +
        `${versions.length > 1 ? '; round 1 deploys the next version, the same build with one more migration (an index), applied by its first instance under traffic while the old ones serve' : ''}.`,
      phases: figures,
      writes,
      migrations,
      shipped,
      migratedBy,
      lockWaiters: instances.filter((i) => i.lockWaitLines > 0).length,
      lockWaitLines: instances.reduce((n, i) => n + i.lockWaitLines, 0),
      haproxy: haproxyFigures,
      instances: instances.map((i) => ({
        name: i.name,
        how: i.how,
        listeningMs: i.listeningAt - i.spawnedAt,
        readyMs: i.upAt - i.spawnedAt,
        downMs: i.downAt === undefined ? undefined : i.downAt - i.signalAt,
        exitMs: i.signalAt === undefined ? undefined : i.exit.at - i.signalAt,
        exit: i.exit.code ?? i.exit.signal,
      })),
      problems,
    }
  } finally {
    for (const i of running) if (i !== haproxy) i.signal('SIGKILL')
    await haproxy?.stop()
    running.delete(haproxy)
    await database.drop().catch((error) => say(`could not drop ${database.name}: ${error.message}`))
  }
}

async function main() {
  const opts = options()
  const watchdog = setTimeout(
    () => {
      console.error(`rolling deploy: still running after ${opts.budgetS * opts.starts.length} s, giving up`)
      killAll()
      process.exit(1)
    },
    opts.budgetS * opts.starts.length * 1000,
  )
  watchdog.unref()
  const started = new Date()
  const results = []
  for (const start of opts.starts) results.push(await scenario(opts, start))
  const text = results.map(scenarioMarkdown).join('\n\n')
  process.stdout.write(`\n${text}\n`)
  if (opts.output !== undefined) {
    const header = [
      '# Rolling deploy: results',
      '',
      `Run ${started.toISOString().slice(0, 16).replace('T', ' ')} UTC by \`node bench/deploy/rolling-deploy.mjs ${process.argv.slice(2).join(' ')}\`,`,
      `on ${cpus().length} cores (${cpus()[0]?.model.trim()}), Node ${process.version}, load average ${loadavg()[0].toFixed(2)} at the start;`,
      'HAProxy, PostgreSQL, the three instances and the load generator all on this machine.',
      '',
    ]
    await writeFile(opts.output, `${header.join('\n')}\n${text}\n`)
  }
  const problems = results.flatMap((r) => r.problems)
  const total = results.reduce((n, r) => n + Object.values(r.phases).reduce((m, p) => m + p.requests, 0), 0)
  const failed = results.reduce((n, r) => n + Object.values(r.phases).reduce((m, p) => m + p.failed, 0), 0)
  process.stdout.write(
    `\nrolling deploy: ${total} requests, ${failed} failed, ${problems.length} problem(s), ${((Date.now() - started) / 1000).toFixed(0)} s\n`,
  )
  clearTimeout(watchdog)
  process.exitCode = problems.length > 0 ? 1 : 0
}

/** Last resort: every process this harness started (HAProxy and the instances), by its own handle. */
function killAll() {
  for (const r of running) {
    if (r.child !== undefined) r.child.kill('SIGKILL')
    else r.signal('SIGKILL')
  }
}
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    killAll()
    process.exit(130)
  })
}

main().catch((error) => {
  console.error(`rolling deploy: ${error.stack ?? error}`)
  killAll()
  process.exit(1)
})
