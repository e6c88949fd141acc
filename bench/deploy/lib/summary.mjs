// Figures from the run's records: outcomes and latency percentiles per phase, HAProxy's own view.

/** The p-th percentile (0–100) of `values`, nearest-rank; NaN when there are none. */
export function percentile(values, p) {
  if (values.length === 0) return Number.NaN
  const sorted = [...values].sort((a, b) => a - b)
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length))
  return sorted[rank - 1]
}

/** Requests of one phase: how many, how each failed, and the latency of those that succeeded. */
export function phaseFigures(records) {
  const failures = {}
  for (const r of records) {
    if (r.outcome === 'ok') continue
    const key = r.outcome === 'status' ? `status ${r.status}` : r.outcome
    failures[key] = (failures[key] ?? 0) + 1
  }
  const ms = records.filter((r) => r.outcome === 'ok').map((r) => r.ms)
  const byKind = {}
  for (const kind of new Set(records.map((r) => r.kind))) {
    const own = records.filter((r) => r.kind === kind && r.outcome === 'ok').map((r) => r.ms)
    byKind[kind] = { requests: records.filter((r) => r.kind === kind).length, p99: percentile(own, 99) }
  }
  return {
    requests: records.length,
    failed: records.length - ms.length,
    resets: records.filter((r) => r.outcome === 'reset').length,
    failures,
    p50: percentile(ms, 50),
    p99: percentile(ms, 99),
    max: ms.length === 0 ? Number.NaN : Math.max(...ms),
    byKind,
  }
}

/** One line of ../haproxy.cfg's log-format: status, termination state, retries, server, timers, request. */
const LOG_LINE = /^(\d{3}) (\S{4}) (\+?\d+) (\S+)\/(\S+) (\S+) "(.*)"$/

/** HAProxy's request log: every request that was retried, redispatched, ended abnormally or got a 5xx. */
export function haproxyLogFigures(lines) {
  let requests = 0
  const notable = []
  for (const line of lines) {
    const m = LOG_LINE.exec(line)
    if (m === null) continue
    requests++
    const [, status, termination, retries, , server, timers, request] = m
    // '----' is a normal end; '+N' or N > 0 retries means the request was retried (then redispatched).
    if (termination !== '----' || retries !== '0' || Number(status) >= 500) {
      notable.push({ status: Number(status), termination, retries, server, timers, request })
    }
  }
  return { requests, notable }
}

const fixed = (n, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : '–')
const seconds = (ms) => (Number.isFinite(ms) ? `${(ms / 1000).toFixed(2)} s` : '–')

/** The report of one scenario as Markdown. */
export function scenarioMarkdown(s) {
  const lines = [
    `### ${s.title}`,
    '',
    `${s.description}`,
    '',
    '| phase | requests | failed | connection resets | p50 ms | p99 ms | max ms | p99 by kind (ms) |',
    '|---|--:|--:|--:|--:|--:|--:|---|',
  ]
  for (const [name, p] of Object.entries(s.phases)) {
    const kinds = Object.entries(p.byKind)
      .map(([kind, k]) => `${kind} ${fixed(k.p99)} (${k.requests})`)
      .join(', ')
    lines.push(
      `| ${name} | ${p.requests} | ${p.failed}${
        p.failed > 0
          ? ` (${Object.entries(p.failures)
              .map(([k, v]) => `${k}: ${v}`)
              .join(', ')})`
          : ''
      } | ${p.resets} | ${fixed(p.p50)} | ${fixed(p.p99)} | ${fixed(p.max)} | ${kinds} |`,
    )
  }
  const w = s.writes
  lines.push(
    '',
    `Writes: ${w.acknowledgedCreates} creates and ${w.acknowledgedUpdates} updates acknowledged; in the database afterwards: ` +
      `${w.missingCreates.length} creates missing, ${w.lostUpdates.length} updates lost, ${w.duplicates.length} duplicated rows, ` +
      `${w.unacknowledged.length} rows written without an acknowledgement.`,
    '',
    `Migrations table: ${s.migrations.map((m) => `\`${m.name}\` recorded ${m.times}×`).join(', ')} ` +
      `(shipped: ${s.shipped.length}); applied by ${s.migratedBy.join(', ') || 'no instance of this run'}, ` +
      `${s.lockWaiters} instance(s) waited for the migration lock (logging ${s.lockWaitLines} "waiting" line(s)).`,
    '',
    `HAProxy: ${s.haproxy.requests} requests logged, ${s.haproxy.notable.length} retried, redispatched, cut or answered 5xx; ` +
      `counters: ${s.haproxy.retries} retries, ${s.haproxy.redispatches} redispatches, ${s.haproxy.connectionErrors} connection errors, ` +
      `${s.haproxy.responseErrors} response errors.`,
    '',
    '| instance | started | start → listening (/running) | start → ready (HAProxy UP) | SIGTERM → out of rotation (DOWN) | SIGTERM → exit | exit |',
    '|---|---|--:|--:|--:|--:|---|',
  )
  for (const i of s.instances) {
    lines.push(
      `| ${i.name} | ${i.how} | ${seconds(i.listeningMs)} | ${seconds(i.readyMs)} | ${seconds(i.downMs)} | ${seconds(i.exitMs)} | ${i.exit ?? 'still running at the end'} |`,
    )
  }
  if (s.problems.length > 0) {
    lines.push('', '**Problems:**', '', ...s.problems.map((p) => `- ${p}`))
  }
  return lines.join('\n')
}
