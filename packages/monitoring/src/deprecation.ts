import { FBI_MONITORING_INVALID_DEPRECATION } from './errors.js'
import { isPlainObject } from './option-checks.js'

/** Route config `deprecated`: marks an operation as deprecated (RFC 9745) and names what replaces it. */
export interface Deprecation {
  /** When the route was (or will be) deprecated. Default: the time the route was registered. */
  since?: Date
  /**
   * The replacement, as "METHOD /path", e.g. "GET /dhos/v2/patient/:patient_id"; its parameters are
   * filled from the request's, so they must be parameters of the deprecated route too. Default: none.
   */
  supersededBy?: string
  /** When the route will stop answering (RFC 8594 Sunset). Default: none. */
  sunset?: Date
}

/** The headers a deprecated route sends. */
export interface DeprecationHeaders {
  deprecation: string
  link?: string
  sunset?: string
}

/** A route's deprecation, checked and prepared once; `headers` only fills the successor's parameters. */
export interface CompiledDeprecation {
  headers(params: unknown): DeprecationHeaders
  /** What the warning log line says about the route (the successor as written). */
  readonly logged: Readonly<DeprecationHeaders>
}

const METHODS = new Set([
  'GET',
  'HEAD',
  'POST',
  'PUT',
  'PATCH',
  'DELETE',
  'OPTIONS',
  'TRACE',
  'CONNECT',
  'QUERY',
])
// A path of printable characters with no spaces, quotes, angle brackets or regex groups (it goes
// inside <...> in Link, and a `:id(^\d+$)` pattern could not be filled in).
const PATH = /^\/[^\s<>"()]*$/
// Fastify's named parameters and its wildcard.
const PARAM = /:([A-Za-z0-9_]+)|\*/g

function isValidDate(value: unknown): value is Date {
  return value instanceof Date && !Number.isNaN(value.getTime())
}

function paramNames(path: string): string[] {
  return [...path.matchAll(PARAM)].map((match) => match[1] ?? '*')
}

// The successor as literal pieces and parameter names, so a request only joins strings.
function linkTemplate(path: string): (string | { param: string })[] {
  const parts: (string | { param: string })[] = []
  let last = 0
  for (const match of path.matchAll(PARAM)) {
    parts.push(path.slice(last, match.index), { param: match[1] ?? '*' })
    last = match.index + match[0].length
  }
  parts.push(path.slice(last))
  return parts
}

function encodeParam(name: string, value: unknown): string {
  const text = typeof value === 'string' ? value : ''
  // The wildcard spans segments: keep its slashes, encode the rest.
  return name === '*' ? text.split('/').map(encodeURIComponent).join('/') : encodeURIComponent(text)
}

/**
 * Checks a route's `config.deprecated` and prepares its headers. Throws FBI_MONITORING_INVALID_DEPRECATION
 * so a typo fails startup instead of sending a wrong header. `compat: 'flask'` dates Deprecation as the
 * original did: an ISO date with milliseconds and `+00:00`, or `true` when no date was given.
 */
export function compileDeprecation(
  method: string,
  url: string,
  value: unknown,
  registeredAt: Date,
  compat: 'flask' | null = null,
): CompiledDeprecation {
  const fail = (why: string): never => {
    throw new FBI_MONITORING_INVALID_DEPRECATION(method, url, why)
  }
  if (!isPlainObject(value)) return fail('must be an object { since?, supersededBy?, sunset? }')
  const { since, supersededBy, sunset } = value
  for (const key of Object.keys(value)) {
    if (key !== 'since' && key !== 'supersededBy' && key !== 'sunset') fail(`unknown key '${key}'`)
  }
  if (since !== undefined && !isValidDate(since)) fail('since must be a valid Date')
  if (sunset !== undefined && !isValidDate(sunset)) fail('sunset must be a valid Date')
  const sinceDate = (since as Date | undefined) ?? registeredAt
  const fixed: DeprecationHeaders = {
    deprecation:
      compat === 'flask'
        ? since === undefined
          ? 'true'
          : sinceDate.toISOString().replace(/Z$/, '+00:00')
        : // RFC 9745: a Structured Field Date, "@" and integer Unix seconds. It has no boolean form.
          `@${Math.floor(sinceDate.getTime() / 1000)}`,
  }
  if (sunset !== undefined) {
    if ((sunset as Date).getTime() < sinceDate.getTime()) fail('sunset must not be before since')
    // RFC 8594: an HTTP-date (IMF-fixdate), which is what toUTCString produces.
    fixed.sunset = (sunset as Date).toUTCString()
  }
  if (supersededBy === undefined) return { headers: () => fixed, logged: fixed }
  if (typeof supersededBy !== 'string') return fail("supersededBy must be a string 'METHOD /path'")
  const match = /^([A-Z]+) (\S+)$/.exec(supersededBy)
  const path = match?.[2] as string
  if (match === null || !METHODS.has(match[1] as string) || !PATH.test(path)) {
    return fail(`supersededBy '${supersededBy}' is not 'METHOD /path' (e.g. 'GET /v2/items/:id')`)
  }
  const own = new Set(paramNames(url))
  for (const name of paramNames(path)) {
    if (!own.has(name))
      fail(
        `supersededBy names the parameter ${name === '*' ? '*' : `:${name}`}, which the route does not have`,
      )
  }
  const logged = { ...fixed, link: `<${path}>; rel="successor-version"` }
  const template = linkTemplate(path)
  if (template.length === 1) return { headers: () => logged, logged }
  return {
    headers(params) {
      const values = (params ?? {}) as Record<string, unknown>
      let link = ''
      for (const part of template)
        link += typeof part === 'string' ? part : encodeParam(part.param, values[part.param])
      return { ...fixed, link: `<${link}>; rel="successor-version"` }
    },
    logged,
  }
}

/** The headers of a deprecated route for one request's parameters (the plugin prepares them once per route). */
export function deprecationHeaders(
  method: string,
  url: string,
  deprecated: Deprecation,
  registeredAt: Date,
  params: Record<string, string> = {},
  compat: 'flask' | null = null,
): DeprecationHeaders {
  return compileDeprecation(method, url, deprecated, registeredAt, compat).headers(params)
}
