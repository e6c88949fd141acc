// The run's outputs: a Markdown report and a hand-written SVG bar chart of the ratios (README.md
// shows the chart and links the report).
import { execFileSync } from 'node:child_process'
import { availableParallelism, cpus, loadavg, release, totalmem } from 'node:os'

export function machine() {
  let nproc
  try {
    nproc = execFileSync('nproc', { encoding: 'utf8' }).trim()
  } catch {
    nproc = String(availableParallelism())
  }
  return {
    nproc,
    cpu: cpus()[0]?.model.trim() ?? 'unknown',
    node: process.version,
    os: `${process.platform} ${release()}`,
    memory: `${Math.round(totalmem() / 2 ** 30)} GiB`,
    // Other work on the machine when the run started: figures from a loaded machine are noise.
    load: loadavg()[0].toFixed(2),
  }
}

const fixed = (value, digits) => (Number.isFinite(value) ? value.toFixed(digits) : '–')
const thousands = (value) => (Number.isFinite(value) ? Math.round(value).toLocaleString('en-US') : '–')
const mib = (bytes) => `${(bytes / 2 ** 20).toFixed(1)} MiB`

const cell = (text) => String(text).replace(/\s+/g, ' ').replace(/\|/g, '\\|')

function escapeXml(text) {
  return String(text).replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`)
}

/** The results as Markdown: machine, settings, table, targets, startup and memory. */
export function markdown(report) {
  const { machine: m, settings: s } = report
  const lines = [
    `Run ${report.date} on ${m.nproc} cores (\`nproc\`), ${m.cpu}, ${m.memory}, Node ${m.node}, ${m.os}; load average ${m.load} when it started.`,
    `autocannon -c ${s.connections} in the runner process on the same machine; per server ${s.warmup} s warm-up,` +
      ` then ${s.rounds} round(s) of ${s.seconds} s, servers taken in turn (the others paused); figures are the median of the rounds.`,
    ...(Number(m.load) >= 1
      ? [
          '',
          `> **The machine was busy when this run started (load average ${m.load}): these figures are noise.**`,
          '> Rerun on an otherwise idle machine before reading anything into them.',
        ]
      : []),
    '',
    '| # | server | req/s | p50 ms | p99 ms | ratio to (1) | req/s per round |',
    '|---|---|--:|--:|--:|--:|---|',
  ]
  for (const c of report.cases) {
    if (c.status !== 'ok') {
      lines.push(
        `| ${c.id} | ${c.name} | ${c.status === 'unavailable' ? 'not available yet' : 'failed'} | | | | ${cell(c.reason)} |`,
      )
      continue
    }
    lines.push(
      `| ${c.id} | ${c.name} | ${thousands(c.rps)} | ${fixed(c.p50, 1)} | ${fixed(c.p99, 1)} | ${fixed(c.ratio, 2)} | ${c.rounds.map(thousands).join(', ')} |`,
    )
  }
  lines.push('', '| target | measured | needed | met |', '|---|--:|--:|---|')
  for (const t of report.targets) {
    const met = t.value === undefined ? 'not measured' : t.value >= t.min ? 'yes' : 'no'
    lines.push(
      `| ${t.label} | ${t.value === undefined ? '–' : `${fixed(t.value, 2)}×`} | ${t.min}× | ${met} |`,
    )
  }
  lines.push(
    '',
    '| startup to ready, no database (median, starts interleaved) | spawn → listening | inside the process | to bare Fastify |',
    '|---|--:|--:|--:|',
  )
  for (const st of report.startup) {
    if (st.reason !== undefined) lines.push(`| ${st.name} | ${cell(st.reason)} | | |`)
    else
      lines.push(
        `| ${st.name} (${st.samples} starts) | ${fixed(st.wallMs, 0)} ms | ${fixed(st.readyMs, 0)} ms | ${st.ratio === undefined ? '–' : `${fixed(st.ratio, 2)}×`} |`,
      )
  }
  const fbiStart = report.startup.find((st) => st.name.startsWith('fbi'))
  if (fbiStart?.ratio !== undefined && !report.settings.smoke)
    lines.push(
      '',
      `Start-up target (fbi at most 1.5× bare Fastify): ${fixed(fbiStart.ratio, 2)}×, ${fbiStart.ratio <= 1.5 ? 'met' : 'not met'}.`,
    )
  const mem = report.memory
  const count = (n) => n.toLocaleString('en-US')
  lines.push(
    '',
    `Memory of a fresh server after ${count(mem.first)} and after ${count(mem.second)} requests, each reading after a forced GC`,
    '(RSS growth with a flat heap is V8 and the allocator keeping pages; a leak grows the heap too):',
    '',
    `| server | | after ${count(mem.first)} | after ${count(mem.second)} | growth |`,
    '|---|---|--:|--:|--:|',
  )
  for (const server of mem.servers) {
    if (server.reason !== undefined) {
      lines.push(`| ${server.name} | | ${cell(server.reason)} | | |`)
      continue
    }
    const { before: a, after: b } = server
    for (const [label, key] of [
      ['RSS', 'rss'],
      ['heap used', 'heapUsed'],
      ['heap total', 'heapTotal'],
      ['external', 'external'],
    ]) {
      const growth = b[key] - a[key]
      const share = key === 'rss' ? ` (${fixed((growth / a[key]) * 100, 1)} %)` : ''
      lines.push(
        `| ${label === 'RSS' ? server.name : ''} | ${label} | ${mib(a[key])} | ${mib(b[key])} | ${mib(growth)}${share} |`,
      )
    }
  }
  if (report.cases.some((c) => c.id === 4 && c.status === 'ok')) {
    lines.push('', `Key-set fetches from the local JWKS server during the whole run: ${report.jwksFetches}.`)
  }
  return `${lines.join('\n')}\n`
}

/** A horizontal bar chart of the ratios to (1); a hand-written SVG string, no chart library. */
export function svg(report) {
  const width = 760
  const left = 300
  const right = 70
  const barHeight = 26
  const gap = 12
  const top = 58
  const rows = report.cases
  const height = top + rows.length * (barHeight + gap) + 40
  const maxRatio = Math.max(1, ...rows.map((c) => (c.status === 'ok' ? c.ratio : 0)))
  const scale = (width - left - right) / maxRatio
  const x1 = left + scale
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, sans-serif" font-size="13">`,
    `<rect width="${width}" height="${height}" fill="#fff"/>`,
    `<text x="16" y="24" font-size="16" font-weight="bold">Throughput relative to bare Fastify (1) — higher is better</text>`,
    `<text x="16" y="44" fill="#555">${escapeXml(`${report.machine.nproc} cores, ${report.machine.cpu}, Node ${report.machine.node}, ${report.date}, load average ${report.machine.load} at start`)}</text>`,
  ]
  rows.forEach((c, i) => {
    const y = top + i * (barHeight + gap)
    const fbi = c.name.startsWith('fbi')
    parts.push(
      `<text x="${left - 10}" y="${y + 17}" text-anchor="end">${escapeXml(`(${c.id}) ${c.name}`)}</text>`,
    )
    if (c.status !== 'ok') {
      const label = c.status === 'unavailable' ? 'not available yet' : 'failed'
      parts.push(`<text x="${left + 6}" y="${y + 17}" fill="#999" font-style="italic">${label}</text>`)
      return
    }
    const w = Math.max(1, c.ratio * scale)
    parts.push(
      `<rect x="${left}" y="${y}" width="${w.toFixed(1)}" height="${barHeight}" fill="${fbi ? '#2b6cb0' : '#a0aec0'}"/>`,
      `<text x="${(left + w + 6).toFixed(1)}" y="${y + 17}">${fixed(c.ratio, 2)}×</text>`,
    )
  })
  const bottom = top + rows.length * (barHeight + gap)
  parts.push(
    `<line x1="${x1.toFixed(1)}" y1="${top - 6}" x2="${x1.toFixed(1)}" y2="${bottom}" stroke="#333" stroke-dasharray="4 3"/>`,
    `<text x="${x1.toFixed(1)}" y="${bottom + 16}" text-anchor="middle" fill="#333">1.0 = ${thousands(report.cases[0]?.rps)} req/s</text>`,
    '</svg>',
  )
  return `${parts.join('\n')}\n`
}
