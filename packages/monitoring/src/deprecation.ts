import { FBI_MONITORING_INVALID_DEPRECATION } from './errors.js'

/** Route config `deprecated`: marks an operation as deprecated (RFC 9745) and names what replaces it. */
export interface Deprecation {
  /** When the route was (or will be) deprecated. Default: the time the route was registered. */
  since?: Date
  /** The replacement, as "METHOD /path", e.g. "GET /dhos/v2/patient/:patient_id". Default: none. */
  supersededBy?: string
  /** When the route will stop answering (RFC 8594 Sunset). Default: none. */
  sunset?: Date
}

/** The headers a deprecated route sends, built once per route. */
export interface DeprecationHeaders {
  deprecation: string
  link?: string
  sunset?: string
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
// A path of printable characters with no spaces, quotes or angle brackets (it goes inside <...> in Link).
const PATH = /^\/[^\s<>"]*$/

function isValidDate(value: unknown): value is Date {
  return value instanceof Date && !Number.isNaN(value.getTime())
}

/**
 * Checks a route's `config.deprecated` and turns it into header values. Throws
 * FBI_MONITORING_INVALID_DEPRECATION so a typo fails startup instead of sending a wrong header.
 */
export function deprecationHeaders(
  method: string,
  url: string,
  value: unknown,
  registeredAt: Date,
): DeprecationHeaders {
  const fail = (why: string): never => {
    throw new FBI_MONITORING_INVALID_DEPRECATION(method, url, why)
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return fail('must be an object { since?, supersededBy?, sunset? }')
  }
  const { since, supersededBy, sunset } = value as Record<string, unknown>
  for (const key of Object.keys(value)) {
    if (key !== 'since' && key !== 'supersededBy' && key !== 'sunset') fail(`unknown key '${key}'`)
  }
  if (since !== undefined && !isValidDate(since)) fail('since must be a valid Date')
  if (sunset !== undefined && !isValidDate(sunset)) fail('sunset must be a valid Date')
  const sinceDate = (since as Date | undefined) ?? registeredAt
  // RFC 9745: the value is a Structured Field Date, "@" and integer Unix seconds. It has no boolean form.
  const headers: DeprecationHeaders = { deprecation: `@${Math.floor(sinceDate.getTime() / 1000)}` }
  if (supersededBy !== undefined) {
    if (typeof supersededBy !== 'string') return fail("supersededBy must be a string 'METHOD /path'")
    const match = /^([A-Z]+) (\S+)$/.exec(supersededBy)
    if (match === null || !METHODS.has(match[1] as string) || !PATH.test(match[2] as string)) {
      return fail(`supersededBy '${supersededBy}' is not 'METHOD /path' (e.g. 'GET /v2/items')`)
    }
    headers.link = `<${match[2]}>; rel="successor-version"`
  }
  if (sunset !== undefined) {
    const sunsetDate = sunset as Date
    if (sunsetDate.getTime() < sinceDate.getTime()) fail('sunset must not be before since')
    // RFC 8594: an HTTP-date (IMF-fixdate), which is what toUTCString produces.
    headers.sunset = sunsetDate.toUTCString()
  }
  return headers
}
