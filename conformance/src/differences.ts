import { isValidRequestId } from '@fbi/monitoring'
import type { Answer } from './http.js'
import { type MatrixRequest, MONITORING_PATHS, pathOf } from './requests.js'
import { type Facet, parseJson, shapeOf, type View } from './view.js'

/** One request as both sides answered it. */
export interface Pair {
  readonly request: MatrixRequest
  /** The headers sent to fbi (the same as to the original, but for ETags, which are each side's own). */
  readonly sent: Readonly<Record<string, string>>
  readonly original: { readonly answer: Answer; readonly view: View }
  readonly fbi: { readonly answer: Answer; readonly view: View }
}

/**
 * What gives a service the original's behaviour back: the compat switch, an option (the name the
 * guide's cell must show), both, or nothing.
 */
export type Restore =
  | { readonly compat: true; readonly option?: string }
  | { readonly option: string }
  | { readonly none: true }

/** Whether `compat: 'flask'` alone gives the original's behaviour back. */
export function restoredByCompat(restore: Restore): boolean {
  return 'compat' in restore
}

/**
 * A named, documented way in which fbi answers differently from the original. Each one is a row of
 * the differences table in docs/migrating-from-flask-batteries-included.md (anchor = id), which a
 * test checks. `any-row` differences are recognised wherever they occur (presentation that never
 * changes a status), in compat mode only when the switch does not restore them; `listed` ones count
 * only on the rows expectations.ts names.
 */
export interface Difference {
  readonly id: string
  readonly scope: 'any-row' | 'listed'
  readonly restoredBy: Restore
  /** The facets this difference accounts for in this pair; empty when it does not apply. */
  explains(pair: Pair): readonly Facet[]
}

const NONE: Restore = { none: true }
const COMPAT: Restore = { compat: true }

function header(answer: Answer, name: string): string | undefined {
  const value = answer.headers[name]
  return Array.isArray(value) ? value.join(', ') : value
}

/** `type/subtype` and the parameters (lower-case names, duplicates collapsed) of a Content-Type. */
function mediaType(value: string | undefined): { type: string; params: Map<string, string> } | undefined {
  if (value === undefined) return undefined
  const [type = '', ...rest] = value.split(';').map((part) => part.trim())
  const params = new Map<string, string>()
  for (const part of rest) {
    const equals = part.indexOf('=')
    if (equals > 0) params.set(part.slice(0, equals).toLowerCase(), part.slice(equals + 1).toLowerCase())
  }
  return { type: type.toLowerCase(), params }
}

/** fbi's `{ code, message }` error body, `code` equal to the status. */
function isErrorBody(answer: Answer): boolean {
  const json = parseJson(answer.body) as { code?: unknown; message?: unknown } | undefined
  return (
    json !== undefined &&
    json !== null &&
    typeof json === 'object' &&
    Object.keys(json).sort().join() === 'code,message' &&
    json.code === answer.status &&
    typeof json.message === 'string'
  )
}

function is2xx(status: number): boolean {
  return status >= 200 && status < 300
}

/** The facets of `candidates` that actually differ in this pair. */
function differing(pair: Pair, ...candidates: Facet[]): Facet[] {
  return candidates.filter((facet) => pair.original.view[facet] !== pair.fbi.view[facet])
}

function sentHeader(pair: Pair, name: string): string | undefined {
  const entry = Object.entries(pair.sent).find(([key]) => key.toLowerCase() === name)
  return entry?.[1]
}

function families(view: View): string[] {
  return view['metric-families'] === '-' ? [] : (JSON.parse(view['metric-families']) as string[])
}

function define(
  id: string,
  scope: Difference['scope'],
  restoredBy: Restore,
  explains: Difference['explains'],
) {
  return Object.freeze({ id, scope, restoredBy, explains })
}

// ---- presentation kept in both modes: recognised on any row

const anyRow = [
  // JSON is UTF-8 (RFC 8259); fbi says so. The original's /metrics even said it twice.
  define('charset-in-content-type', 'any-row', NONE, (pair) => {
    const original = mediaType(header(pair.original.answer, 'content-type'))
    const fbi = mediaType(header(pair.fbi.answer, 'content-type'))
    if (original === undefined || fbi === undefined || original.type !== fbi.type) return []
    if (fbi.params.get('charset') !== 'utf-8') return []
    const charset = original.params.get('charset')
    if (charset !== undefined && charset !== 'utf-8') return []
    const others = (params: Map<string, string>) =>
      [...params]
        .filter(([name]) => name !== 'charset')
        .map(([name, value]) => `${name}=${value}`)
        .sort()
        .join(';')
    return others(original.params) === others(fbi.params) ? differing(pair, 'content-type') : []
  }),
  // Every fbi error body is { code, message }, code being the status.
  define('code-in-error-body', 'any-row', NONE, (pair) => {
    const original = parseJson(pair.original.answer.body)
    if (!isErrorBody(pair.fbi.answer) || original === undefined) return []
    return JSON.stringify(shapeOf(original)) === JSON.stringify({ message: 'string' })
      ? differing(pair, 'body')
      : []
  }),
  // An answer without content has no Content-Type; Werkzeug typed its empty OPTIONS answer text/html.
  define('no-content-type-without-content', 'any-row', NONE, (pair) => {
    const original = mediaType(header(pair.original.answer, 'content-type'))
    const empty = pair.original.answer.body === '' && pair.fbi.answer.body === ''
    return empty && original?.type === 'text/html' && header(pair.fbi.answer, 'content-type') === undefined
      ? differing(pair, 'content-type')
      : []
  }),
  // Flask answers its own errors (404, 405, 500 of an unhandled exception, bad JSON) with HTML pages.
  define('json-error-pages', 'any-row', NONE, (pair) => {
    const original = mediaType(header(pair.original.answer, 'content-type'))
    const fbi = mediaType(header(pair.fbi.answer, 'content-type'))
    if (original?.type !== 'text/html' || fbi?.type !== 'application/json') return []
    if (pair.fbi.answer.body !== '' && !isErrorBody(pair.fbi.answer)) return []
    return differing(pair, 'content-type', 'body')
  }),
  // The original hashed and tagged every answer (errors, POST, 405); fbi tags successful GET/HEAD only.
  define('etag-on-successful-get-only', 'any-row', COMPAT, (pair) => {
    const { method } = pair.request
    const status = pair.fbi.answer.status
    const untagged = (method !== 'GET' && method !== 'HEAD') || !(is2xx(status) || status === 304)
    return untagged && pair.fbi.view.etag !== 'present' ? differing(pair, 'etag') : []
  }),
  // Probes and /metrics are never served from a cache.
  define('no-etag-on-monitoring-routes', 'any-row', COMPAT, (pair) =>
    MONITORING_PATHS.has(pathOf(pair.request)) && pair.fbi.view.etag !== 'present'
      ? differing(pair, 'etag')
      : [],
  ),
  // The original's post() wrote None into every optional key the body lacked; fbi leaves the body as sent.
  define('optional-keys-not-filled', 'any-row', { compat: true, option: '`default`' }, (pair) => {
    const original = parseJson(pair.original.answer.body)
    const fbi = parseJson(pair.fbi.answer.body)
    if (!isPlainObject(original) || !isPlainObject(fbi)) return []
    const filled = Object.keys(original).filter((key) => original[key] === null && !(key in fbi))
    if (filled.length === 0) return []
    const rest = Object.fromEntries(Object.entries(original).filter(([key]) => !filled.includes(key)))
    return JSON.stringify(shapeOf(rest)) === JSON.stringify(shapeOf(fbi)) ? differing(pair, 'body') : []
  }),
  // X-Request-ID values that are not 1-128 safe characters are replaced (log injection, header abuse).
  define('request-id-validated', 'any-row', COMPAT, (pair) => {
    const sent = sentHeader(pair, 'x-request-id')
    return sent !== undefined &&
      !isValidRequestId(sent.trim()) &&
      pair.original.view['x-request-id'] === 'X-Request-ID sent' &&
      pair.fbi.view['x-request-id'] === 'generated'
      ? differing(pair, 'x-request-id')
      : []
  }),
  // /debug: Werkzeug title-cases header names; fbi echoes them as the client sent them.
  define('debug-header-names-as-sent', 'any-row', NONE, (pair) => {
    const lower = (view: View) =>
      JSON.stringify(
        (JSON.parse(view['debug-header-case']) as string[]).map((name) => name.toLowerCase()).sort(),
      )
    if (pair.original.view['debug-header-case'] === '-' || pair.fbi.view['debug-header-case'] === '-')
      return []
    return lower(pair.original.view) === lower(pair.fbi.view) ? differing(pair, 'debug-header-case') : []
  }),
  // /debug: fbi shows Authorization, Proxy-Authorization and Cookie as [REDACTED].
  define('debug-redacts-secrets', 'any-row', NONE, (pair) => {
    if (pathOf(pair.request) !== '/debug' || pair.original.view.body === '-') return []
    const original = JSON.parse(pair.original.view.body) as Record<string, unknown>
    const fbi = JSON.parse(pair.fbi.view.body) as Record<string, unknown>
    const redactedOnly = ['authorization', 'cookie'].every(
      (name) => original[name] === fbi[name] || (original[name] === 'echoed' && fbi[name] === 'redacted'),
    )
    return redactedOnly && JSON.stringify(original.headers) === JSON.stringify(fbi.headers)
      ? differing(pair, 'body')
      : []
  }),
  // Each runtime's Prometheus client adds its own process and runtime families.
  define('runtime-metrics', 'any-row', NONE, (pair) => differing(pair, 'runtime-metrics')),
  // fbi's own families (deprecated calls, JWKS fetches) beside every family the original had.
  define('extra-metric-families', 'any-row', NONE, (pair) => {
    const fbi = families(pair.fbi.view)
    return families(pair.original.view).every((family) => fbi.includes(family))
      ? differing(pair, 'metric-families')
      : []
  }),
  // Each health check result also says how long the check took, whether it is critical and which
  // probes (health groups) it joins.
  define('health-check-response-time', 'any-row', COMPAT, (pair) => {
    if (pair.original.view['health-result-keys'] === '-') return []
    const original = JSON.parse(pair.original.view['health-result-keys']) as string[]
    const fbi = JSON.parse(pair.fbi.view['health-result-keys']) as string[]
    return JSON.stringify([...original, 'response_time', 'critical', 'groups'].sort()) === JSON.stringify(fbi)
      ? differing(pair, 'health-result-keys')
      : []
  }),
  // /version also names the service's own version.
  define('version-field', 'any-row', COMPAT, (pair) => {
    if (pathOf(pair.request) !== '/version') return []
    const original = parseJson(pair.original.answer.body)
    const fbi = parseJson(pair.fbi.answer.body)
    if (!isPlainObject(original) || !isPlainObject(fbi) || typeof fbi.version !== 'string') return []
    const { version: _, ...rest } = fbi
    return JSON.stringify(shapeOf(rest)) === JSON.stringify(shapeOf(original)) ? differing(pair, 'body') : []
  }),
]

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function statuses(
  pair: Pair,
  original: (status: number) => boolean,
  fbi: (status: number) => boolean,
): boolean {
  return original(pair.original.answer.status) && fbi(pair.fbi.answer.status)
}

const is = (expected: number) => (status: number) => status === expected
const isClientError = (status: number) => status >= 400 && status < 500

// ---- behaviours: count only on the rows expectations.ts lists them for

const listed = [
  // No token, or one that fails verification: 401 with WWW-Authenticate (RFC 6750) instead of 403.
  define('unauthenticated-is-401', 'listed', COMPAT, (pair) => {
    if (
      pair.fbi.answer.status !== 401 ||
      !/^Bearer\b/.test(header(pair.fbi.answer, 'www-authenticate') ?? '')
    )
      return []
    return statuses(pair, is(403), is(401))
      ? differing(pair, 'status', 'www-authenticate')
      : differing(pair, 'www-authenticate')
  }),
  // A token without aud or without exp is refused unless its issuer is told to accept that.
  define('aud-and-exp-required', 'listed', { option: 'claimRequirements' }, (pair) =>
    statuses(pair, is(200), is(401)) ? differing(pair, 'status', 'www-authenticate', 'body') : [],
  ),
  // The original had no handler for psycopg2's IntegrityError and DataError: Flask's HTML 500 page.
  define('database-client-errors-are-4xx', 'listed', COMPAT, (pair) =>
    statuses(pair, is(500), isClientError) ? differing(pair, 'status') : [],
  ),
  // python-jose raised JWKError (uncaught) for an HS key asked to verify RS256: Flask's HTML 500 page.
  define('original-500-on-unhandled-error', 'listed', NONE, (pair) =>
    statuses(pair, is(500), isClientError) ? differing(pair, 'status') : [],
  ),
  // RFC 9110: the auth scheme is case-insensitive.
  define('lenient-authorization-header', 'listed', COMPAT, (pair) =>
    statuses(pair, is(403), is(200)) ? differing(pair, 'status', 'body') : [],
  ),
  // Node's HTTP parser drops whitespace around a header value before any code sees it (RFC 9110 §5.5).
  define('header-whitespace-trimmed', 'listed', NONE, (pair) =>
    statuses(pair, is(403), is(200)) ? differing(pair, 'status', 'body') : [],
  ),
  define('scopes-as-json-array', 'listed', COMPAT, (pair) =>
    statuses(pair, is(403), is(200)) ? differing(pair, 'status', 'body') : [],
  ),
  // An encoded slash stays inside the path parameter; the original's WSGI server decoded it before routing.
  define('encoded-slash-in-path-parameter', 'listed', NONE, (pair) =>
    statuses(pair, is(404), is2xx) ? differing(pair, 'status', 'content-type', 'body') : [],
  ),
  // A JavaScript TypeError is a bug in the service; the original mapped Python's TypeError to 400.
  define('javascript-type-error-is-500', 'listed', COMPAT, (pair) =>
    statuses(pair, is(400), is(500)) ? differing(pair, 'status') : [],
  ),
  // Python's bool is an int; JSON's true is not an integer.
  define('boolean-is-not-an-integer', 'listed', COMPAT, (pair) =>
    statuses(pair, is(200), is(400)) ? differing(pair, 'status', 'body') : [],
  ),
  // JavaScript parses 12.0 and 12 to the same number.
  define('json-cannot-tell-12.0-from-12', 'listed', NONE, (pair) =>
    statuses(pair, is(400), is(200)) ? differing(pair, 'status', 'body') : [],
  ),
  // Fastify parses application/json only; application/*+json bodies are 415 (compat parses them).
  define('json-suffix-media-types-refused', 'listed', COMPAT, (pair) =>
    statuses(pair, is(200), is(415)) ? differing(pair, 'status', 'body') : [],
  ),
  // fbi refuses a JSON body on every GET and DELETE route; the original only where get()/delete() ran
  // (compat: only routes with config.rejectJsonBody true).
  define(
    'json-body-refused-on-every-get-and-delete',
    'listed',
    { compat: true, option: 'rejectJsonBody' },
    (pair) =>
      pair.fbi.answer.status === 400 && /request should not have json body/.test(pair.fbi.answer.body)
        ? differing(pair, 'status', 'body', 'allow')
        : [],
  ),
  // A GET with a JSON content type but no body carries no JSON body: fbi lets it through.
  define('json-content-type-without-body-allowed', 'listed', COMPAT, (pair) =>
    statuses(pair, is(400), is2xx) ? differing(pair, 'status', 'body') : [],
  ),
  // RFC 9745 allows only an @<unix seconds> date in Deprecation; the original sent ISO dates or "true".
  define('deprecation-header-form', 'listed', COMPAT, (pair) => {
    const fbi = /^@(\d+)$/.exec(header(pair.fbi.answer, 'deprecation') ?? '')
    const original = header(pair.original.answer, 'deprecation')
    if (fbi === null || original === undefined) return []
    const sameInstant = original === 'true' || Date.parse(original) === Number(fbi[1]) * 1000
    return sameInstant ? differing(pair, 'deprecation') : []
  }),
  // fbi's checks are "database" (and "migrations" with a migrations directory).
  define('health-check-names', 'listed', COMPAT, (pair) => {
    const checks = (view: View) =>
      (JSON.parse(view['health-checks']) as string[]).map((check) => check.split(':')[0])
    if (pair.original.view['health-checks'] === '-' || pair.fbi.view['health-checks'] === '-') return []
    const original = checks(pair.original.view)
    return original.includes('database_connectivity_test') && checks(pair.fbi.view).includes('database')
      ? differing(pair, 'health-checks')
      : []
  }),
  // fastify-metrics' names and labels instead of the original's flask_* ones.
  define('metric-names', 'listed', COMPAT, (pair) => {
    const fbi = families(pair.fbi.view).join(' ')
    const original = families(pair.original.view).join(' ')
    return /flask_request_count_total/.test(original) && /http_requests_total/.test(fbi)
      ? differing(pair, 'metric-families')
      : []
  }),
  // RFC 9110 §13.2.1: preconditions are ignored when the answer would not be a 2xx.
  define('preconditions-ignored-on-errors', 'listed', NONE, (pair) =>
    statuses(pair, is(304), (status) => status >= 400)
      ? differing(pair, 'status', 'content-type', 'body')
      : [],
  ),
  // Probes always get their body: a monitoring route is never conditional.
  define('monitoring-routes-never-304', 'listed', COMPAT, (pair) =>
    MONITORING_PATHS.has(pathOf(pair.request)) && statuses(pair, is(304), is(200))
      ? differing(pair, 'status', 'content-type', 'body')
      : [],
  ),
]

/** Every named difference, by id. */
export const DIFFERENCES: ReadonlyMap<string, Difference> = new Map(
  [...anyRow, ...listed].map((difference) => [difference.id, difference]),
)
