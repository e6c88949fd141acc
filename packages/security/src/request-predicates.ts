import { isRecord } from './is-record.js'
import { assertString, invalid, leafPredicate, type Predicate } from './predicate.js'
import { claimOf, ownValue, sameValue } from './predicate-values.js'

/*
 * Predicates that compare the request (route parameters, query arguments, body) with the claims.
 * Each declares what it reads (`reads`), which is checked against every route at startup.
 */

/**
 * True when, for every `routeParam: claim` pair, the route parameter equals the claim, or the claim
 * is a list containing it. An object claim never matches. An empty map is true, as in the seed.
 */
export function matchKeys(map: Readonly<Record<string, string>>): Predicate {
  if (!isRecord(map)) invalid('matchKeys', 'expects an object of { routeParam: claim }')
  const pairs = Object.entries(map)
  for (const [, claim] of pairs) assertString('matchKeys', 'every claim name', claim)
  let failed = ''
  return leafPredicate(
    `matchKeys(${pairs.map(([p, c]) => (p === c ? p : `${p}=${c}`)).join(', ')})`,
    (ctx) => {
      for (const [param, claim] of pairs) {
        const routeValue = ownValue(ctx.params, param)
        const permission = claimOf(ctx.claims, claim)
        const ok =
          routeValue !== undefined &&
          permission !== undefined &&
          (Array.isArray(permission) ? permission.includes(routeValue) : routeValue === permission)
        if (!ok) {
          failed = `route parameter '${param}' does not match JWT claim '${claim}'`
          return false
        }
      }
      return true
    },
    () => failed,
    { reads: { params: pairs.map(([param]) => param) } },
  )
}

/**
 * ASCII-only upper case. String.prototype.toUpperCase maps 'ſ' to 'S', 'ı' to 'I' and 'ﬁ' to 'FI',
 * so `?view=ſummary` would pass as "summary" while the handler receives 'ſummary'.
 */
function asciiUpperCase(text: string): string {
  return text.replace(/[a-z]+/g, (letters) => letters.toUpperCase())
}

/**
 * True when query argument `name` equals `value`, ignoring ASCII case only. As in the seed, an
 * absent argument counts as the empty string. A repeated argument (`?a=x&a=y`) is ambiguous: the
 * handler receives every value, so the request is answered 400 when the predicate is false.
 */
export function argumentPresent(name: string, value: string): Predicate {
  assertString('argumentPresent', 'the argument name', name)
  if (typeof value !== 'string') invalid('argumentPresent', 'the expected value must be a string')
  const expected = asciiUpperCase(value)
  return leafPredicate(
    `argumentPresent(${name}, ${value})`,
    (ctx) => {
      const actual = ownValue(ctx.query, name) ?? ''
      if (Array.isArray(actual)) {
        ctx.ambiguous = `query argument '${name}' is repeated`
        return false
      }
      return typeof actual === 'string' && asciiUpperCase(actual) === expected
    },
    `query argument '${name}' does not have the expected value`,
    { reads: { query: [name] } },
  )
}

/** True when query argument `name` is absent (given once or repeated, it is present). */
export function argumentNotPresent(name: string): Predicate {
  assertString('argumentNotPresent', 'the argument name', name)
  return leafPredicate(
    `argumentNotPresent(${name})`,
    (ctx) => ownValue(ctx.query, name) === undefined,
    `query argument '${name}' is present`,
    { reads: { query: [name] } },
  )
}

/** True when route parameter `param` equals claim `claim` (which must be present), strictly. */
export function fieldInPathMatchesClaim(param: string, claim: string): Predicate {
  assertString('fieldInPathMatchesClaim', 'the path field', param)
  assertString('fieldInPathMatchesClaim', 'the claim', claim)
  return leafPredicate(
    `fieldInPathMatchesClaim(${param}, ${claim})`,
    (ctx) => sameValue(ownValue(ctx.params, param), claimOf(ctx.claims, claim)),
    `path field '${param}' does not match JWT claim '${claim}'`,
    { reads: { params: [param] } },
  )
}

/** True when top-level field `field` of the JSON body equals claim `claim` (which must be present), strictly. */
export function fieldInBodyMatchesClaim(field: string, claim: string): Predicate {
  assertString('fieldInBodyMatchesClaim', 'the body field', field)
  assertString('fieldInBodyMatchesClaim', 'the claim', claim)
  return leafPredicate(
    `fieldInBodyMatchesClaim(${field}, ${claim})`,
    (ctx) => isRecord(ctx.body) && sameValue(ownValue(ctx.body, field), claimOf(ctx.claims, claim)),
    `body field '${field}' does not match JWT claim '${claim}'`,
    { needsBody: true, reads: { body: [field] } },
  )
}
