import type { Answer } from './http.js'
import { type MatrixRequest, pathOf } from './requests.js'

/**
 * The parts of an answer that are compared, each on its own so that a difference names what differs.
 * Bodies are compared by shape (keys and value types, not texts: the two libraries word their
 * messages differently); /healthcheck, /metrics and /debug by what their consumers read.
 */
export const FACETS = [
  'status',
  'content-type',
  'www-authenticate',
  'x-request-id',
  'etag',
  'cache-headers',
  'deprecation',
  'link',
  'allow',
  'body',
  'health-checks',
  'health-result-keys',
  'metric-families',
  'runtime-metrics',
  'debug-header-case',
] as const
export type Facet = (typeof FACETS)[number]

/** Each facet as a printable value; equal strings mean "the same" for that facet. */
export type View = Readonly<Record<Facet, string>>

const ABSENT = '(absent)'
const NOT_APPLICABLE = '-'
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

function header(answer: Answer, name: string): string | undefined {
  const value = answer.headers[name]
  return Array.isArray(value) ? value.join(', ') : value
}

/** Keys and value types of a JSON value, keys sorted: `{"age":"number","name":"string"}`. */
export function shapeOf(value: unknown): unknown {
  if (value === null) return 'null'
  if (Array.isArray(value)) return [...new Set(value.map((item) => JSON.stringify(shapeOf(item))))].sort()
  if (typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((key) => [key, shapeOf((value as Record<string, unknown>)[key])]),
    )
  }
  return typeof value
}

export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}

function isHtml(answer: Answer): boolean {
  return (
    /^text\/html\b/i.test(header(answer, 'content-type') ?? '') || /^\s*<!doctype html/i.test(answer.body)
  )
}

/** Where the request id of the answer came from. */
function requestIdSource(
  request: MatrixRequest,
  answer: Answer,
  sent: Readonly<Record<string, string>>,
): string {
  const value = header(answer, 'x-request-id')
  if (value === undefined) return ABSENT
  const lower = Object.fromEntries(Object.entries(sent).map(([name, v]) => [name.toLowerCase(), v]))
  if (lower['x-request-id'] !== undefined && value === lower['x-request-id'].trim())
    return 'X-Request-ID sent'
  if (lower['x-correlation-id'] !== undefined && value === lower['x-correlation-id'].trim()) {
    return 'X-Correlation-ID sent'
  }
  const trace = lower['x-amzn-trace-id']
  if (trace !== undefined) {
    const parts = Object.fromEntries(trace.split(';').map((part) => part.split('=') as [string, string]))
    if (value === parts.Self) return 'Self of X-Amzn-Trace-Id'
    if (value === parts.Root) return 'Root of X-Amzn-Trace-Id'
  }
  if (UUID.test(value)) return 'generated'
  return `other (${request.id})`
}

/** Prometheus families of a /metrics text: `name (type) {label names}`, `le` and `quantile` left out. */
function metricFamilies(text: string): string[] {
  const families = new Map<string, { type: string; labels: Set<string> }>()
  for (const match of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    families.set(match[1] as string, { type: match[2] as string, labels: new Set() })
  }
  const names = [...families.keys()].sort((a, b) => b.length - a.length)
  for (const match of text.matchAll(/^([a-zA-Z_:][\w:]*)(?:\{([^}]*)\})? /gm)) {
    const sample = match[1] as string
    const family = names.find((name) => sample === name || sample.startsWith(`${name}_`))
    if (family === undefined) continue
    for (const label of (match[2] ?? '').matchAll(/(\w+)="/g)) {
      if (label[1] !== 'le' && label[1] !== 'quantile') families.get(family)?.labels.add(label[1] as string)
    }
  }
  return [...families.entries()]
    .map(([name, { type, labels }]) => `${name} (${type}) {${[...labels].sort().join(',')}}`)
    .sort()
}

/**
 * The families each runtime's client library adds by itself: prometheus_client's python_*, process_*
 * and the `_created` gauge of every series; prom-client's nodejs_* and process_*.
 */
export function isRuntimeFamily(family: string): boolean {
  return /^(python_|process_|nodejs_)/.test(family) || /^\S+_created \(gauge\)/.test(family)
}

/** The compared view of one answer. */
export function viewOf(request: MatrixRequest, answer: Answer, sent: Readonly<Record<string, string>>): View {
  const path = pathOf(request)
  const view: Record<Facet, string> = {
    status: String(answer.status),
    'content-type': header(answer, 'content-type') ?? ABSENT,
    'www-authenticate': header(answer, 'www-authenticate') ?? ABSENT,
    'x-request-id': requestIdSource(request, answer, sent),
    etag: header(answer, 'etag') === undefined ? ABSENT : 'present',
    'cache-headers': ['cache-control', 'pragma', 'expires']
      .map((name) => header(answer, name) ?? ABSENT)
      .join(' | '),
    deprecation: header(answer, 'deprecation') ?? ABSENT,
    link: header(answer, 'link') ?? ABSENT,
    allow:
      header(answer, 'allow')
        ?.split(',')
        .map((method) => method.trim().toUpperCase())
        .sort()
        .join(', ') ?? ABSENT,
    body: NOT_APPLICABLE,
    'health-checks': NOT_APPLICABLE,
    'health-result-keys': NOT_APPLICABLE,
    'metric-families': NOT_APPLICABLE,
    'runtime-metrics': NOT_APPLICABLE,
    'debug-header-case': NOT_APPLICABLE,
  }
  if (request.method === 'HEAD' || answer.status === 304 || answer.body === '') {
    view.body = answer.body === '' ? '(empty)' : '(not empty)'
    return view
  }
  if (path === '/metrics' && request.method === 'GET' && answer.status === 200) {
    const families = metricFamilies(answer.body)
    view.body = '(prometheus text)'
    view['metric-families'] = JSON.stringify(families.filter((family) => !isRuntimeFamily(family)))
    view['runtime-metrics'] = JSON.stringify(families.filter(isRuntimeFamily))
    return view
  }
  const json = parseJson(answer.body)
  if (json === undefined) {
    view.body = isHtml(answer) ? '(HTML page)' : '(text)'
    return view
  }
  if (
    path === '/healthcheck' &&
    request.method === 'GET' &&
    json !== null &&
    typeof json === 'object' &&
    !Array.isArray(json)
  ) {
    const { results, ...rest } = json as { results?: unknown }
    const list = Array.isArray(results) ? (results as Record<string, unknown>[]) : []
    view.body = JSON.stringify({
      ...(shapeOf(rest) as object),
      results: 'array',
      status: (rest as { status?: unknown }).status,
    })
    view['health-checks'] = JSON.stringify(
      list.map((result) => `${String(result.checker)}: ${String(result.passed)}`),
    )
    view['health-result-keys'] = JSON.stringify(
      [...new Set(list.flatMap((result) => Object.keys(result)))].sort(),
    )
    return view
  }
  if (
    path === '/debug' &&
    request.method === 'GET' &&
    json !== null &&
    typeof json === 'object' &&
    !Array.isArray(json)
  ) {
    const echoed = json as Record<string, unknown>
    const names = Object.keys(echoed)
    const secret = (name: string) => {
      const key = names.find((candidate) => candidate.toLowerCase() === name)
      if (key === undefined) return ABSENT
      return /redacted/i.test(String(echoed[key])) ? 'redacted' : 'echoed'
    }
    view.body = JSON.stringify({
      headers: names.map((name) => name.toLowerCase()).sort(),
      authorization: secret('authorization'),
      cookie: secret('cookie'),
    })
    view['debug-header-case'] = JSON.stringify(names.sort())
    return view
  }
  view.body = JSON.stringify(shapeOf(json))
  return view
}
