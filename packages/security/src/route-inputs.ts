import type { RouteOptions } from 'fastify'
import { isRecord } from './is-record.js'
import type { Predicate } from './predicate.js'

/** Methods whose requests Fastify never reads a body for (its own "bodyless" list). */
const BODYLESS_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'TRACE'])

/** The index of the ')' closing the '(' at `open`, skipping escapes and nested groups. */
function closingParenthesis(url: string, open: number): number {
  let depth = 0
  for (let i = open; i < url.length; i++) {
    const c = url[i]
    if (c === '\\') i++
    else if (c === '(') depth++
    else if (c === ')' && --depth === 0) return i
  }
  return url.length
}

/**
 * The parameter names of a route URL, read as find-my-way reads them: `:name` ends at '/', '-',
 * '.', '(' (a regular expression, skipped) or the end; `::` is a literal colon; `*` is the
 * wildcard, whose parameter is named '*'.
 */
export function routeParamNames(url: string): ReadonlySet<string> {
  const names = new Set<string>()
  for (let i = 0; i < url.length; i++) {
    const c = url[i]
    if (c === '*') names.add('*')
    if (c !== ':') continue
    if (url[i + 1] === ':') {
      i++
      continue
    }
    let end = i + 1
    while (end < url.length && !'/-.('.includes(url[end] as string)) end++
    names.add(url.slice(i + 1, end))
    i = url[end] === '(' ? closingParenthesis(url, end) : end - 1
  }
  return names
}

/**
 * The top-level property names an object schema allows, or undefined when it allows any (no
 * schema, not a plain object schema, `additionalProperties` not false, or a composition we do not
 * resolve such as $ref or allOf).
 */
function closedProperties(schema: unknown): ReadonlySet<string> | undefined {
  if (!isRecord(schema) || schema.additionalProperties !== false) return undefined
  if ('$ref' in schema || 'allOf' in schema || 'anyOf' in schema || 'oneOf' in schema) return undefined
  return new Set(isRecord(schema.properties) ? Object.keys(schema.properties) : [])
}

/**
 * Why `predicate` can never pass, or never sees what the handler sees, on `route`: a route parameter
 * it reads that the URL does not have, a query argument or body field its schema forbids, a body it
 * reads on a method without one. Undefined when the inputs fit. Checked once, at startup.
 */
export function impossibleInputs(route: RouteOptions, predicate: Predicate): string | undefined {
  const { reads } = predicate
  const params = routeParamNames(route.url)
  for (const param of reads.params) {
    if (!params.has(param)) return `it reads the route parameter '${param}', which the route does not have`
  }
  const query = closedProperties(route.schema?.querystring)
  for (const name of reads.query) {
    if (query !== undefined && !query.has(name)) {
      return `it reads the query argument '${name}', which the route's querystring schema does not allow`
    }
  }
  if (reads.body.length > 0) {
    const methods = Array.isArray(route.method) ? route.method : [route.method]
    const bodyless = methods.find((method) => BODYLESS_METHODS.has(method))
    if (bodyless !== undefined) return `it reads the request body, which ${bodyless} requests do not have`
    const body = route.schema?.body
    if (isRecord(body) && typeof body.type === 'string' && body.type !== 'object') {
      return `it reads body fields, and the route's body schema is of type '${body.type}'`
    }
    const fields = closedProperties(body)
    for (const field of reads.body) {
      if (fields !== undefined && !fields.has(field)) {
        return `it reads the body field '${field}', which the route's body schema does not allow`
      }
    }
  }
  return undefined
}
