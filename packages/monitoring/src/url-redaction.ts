import type { FieldRedaction } from './field-redaction.js'
import { REDACTED } from './redaction.js'

/** A path segment's named parameters (`:id`, `:a-:b`, `:id(^\\d+)`), as find-my-way reads them. */
const PARAMETER = /:([A-Za-z0-9_$]+)/g

/** Where a route's sensitive parameters sit in its path, worked out once per route. */
export interface SensitiveSegments {
  /** Indexes, in the path split at '/', of the segments that hold a sensitive parameter. */
  readonly indexes: readonly number[]
  /** How many segments the route's path has; a request path with another count is not guessed at. */
  readonly count: number
}

/**
 * Which segments of a route's path hold a sensitive parameter (`/patient/:nhs_number` → [2]);
 * undefined when none does.
 */
export function sensitiveSegments(route: string, redaction: FieldRedaction): SensitiveSegments | undefined {
  const segments = route.split('/')
  const indexes: number[] = []
  for (let i = 0; i < segments.length; i++) {
    for (const match of (segments[i] as string).matchAll(PARAMETER)) {
      if (redaction.isSensitive(match[1] as string)) {
        indexes.push(i)
        break
      }
    }
  }
  return indexes.length === 0
    ? undefined
    : Object.freeze({ indexes: Object.freeze(indexes), count: segments.length })
}

function decodedName(raw: string): string {
  if (raw.indexOf('%') === -1 && raw.indexOf('+') === -1) return raw
  try {
    return decodeURIComponent(raw.replaceAll('+', ' '))
  } catch {
    return raw
  }
}

function redactQuery(query: string, redaction: FieldRedaction): string {
  const pairs = query.split('&')
  let changed = false
  for (let i = 0; i < pairs.length; i++) {
    const pair = pairs[i] as string
    const equals = pair.indexOf('=')
    const name = equals === -1 ? pair : pair.slice(0, equals)
    if (equals !== -1 && redaction.isSensitive(decodedName(name))) {
      pairs[i] = `${name}=${REDACTED}`
      changed = true
    }
  }
  return changed ? pairs.join('&') : query
}

/** A path with no route to say which segment is data: every segment replaced, their number kept. */
export function everySegmentRedacted(path: string): string {
  return path
    .split('/')
    .map((segment) => (segment === '' ? segment : REDACTED))
    .join('/')
}

/**
 * The request URL as it may be logged: the values of sensitive query arguments and the path segments
 * that hold sensitive parameters replaced (every segment with 'all'). A path whose segments do not line up with the route's
 * (duplicate or trailing slashes, a rewritten URL) is replaced whole rather than guessed at.
 */
export function redactUrl(
  url: string,
  segments: SensitiveSegments | 'all' | undefined,
  redaction: FieldRedaction,
): string {
  const mark = url.indexOf('?')
  let path = mark === -1 ? url : url.slice(0, mark)
  if (segments === 'all') {
    path = everySegmentRedacted(path)
  } else if (segments !== undefined) {
    const parts = path.split('/')
    if (parts.length !== segments.count) {
      path = REDACTED
    } else {
      for (const index of segments.indexes) parts[index] = REDACTED
      path = parts.join('/')
    }
  }
  if (mark === -1) return path
  return `${path}?${redactQuery(url.slice(mark + 1), redaction)}`
}
