import {
  assertString,
  definePredicate,
  evaluateInSeries,
  invalid,
  leafPredicate,
  type Predicate,
  type PredicateLike,
  readsOfAll,
  toPredicate,
} from './predicate.js'
import { hasClaim } from './predicate-values.js'

function checkPredicates(name: string, predicates: readonly PredicateLike[]): Predicate[] {
  if (predicates.length === 0) invalid(name, 'needs at least one predicate')
  return predicates.map((p) => {
    if (typeof p !== 'function') invalid(name, 'every argument must be a predicate function')
    return toPredicate(p)
  })
}

/** True when every predicate is true (evaluated in order, stopping at the first false). */
export function and(...predicates: PredicateLike[]): Predicate {
  const list = checkPredicates('and', predicates)
  const scopes = new Set<string>()
  for (const p of list) for (const s of p.requiredScopes) scopes.add(s)
  return definePredicate(evaluateInSeries(list, false), {
    description: `and(${list.map((p) => p.description).join(', ')})`,
    requiredScopes: [...scopes],
    needsBody: list.some((p) => p.needsBody),
    reads: readsOfAll(list),
  })
}

/** True when any predicate is true (evaluated in order, stopping at the first true). */
export function or(...predicates: PredicateLike[]): Predicate {
  const list = checkPredicates('or', predicates)
  const description = `or(${list.map((p) => p.description).join(', ')})`
  const noneMessage = `none of ${description} passed`
  // Scopes required by every branch are required by the whole.
  const [first, ...others] = list.map((p) => p.requiredScopes)
  const common = (first ?? []).filter((s) => others.every((o) => o.includes(s)))
  return definePredicate(
    evaluateInSeries(list, true, (ctx) => {
      ctx.reason = noneMessage
    }),
    {
      description,
      requiredScopes: common,
      needsBody: list.some((p) => p.needsBody),
      reads: readsOfAll(list),
    },
  )
}

/** True when every listed scope is in the token's scopes. An empty list is refused. */
export function scopesPresent(required: string | readonly string[]): Predicate {
  const list = typeof required === 'string' ? [required] : required
  if (!Array.isArray(list)) invalid('scopesPresent', 'expects a scope or a list of scopes')
  if (list.length === 0) invalid('scopesPresent', 'must require at least one scope')
  for (const s of list) assertString('scopesPresent', 'every scope', s)
  const scopes: readonly string[] = Object.freeze([...list])
  return leafPredicate(
    `scopesPresent(${scopes.join(', ')})`,
    (ctx) => scopes.every((scope) => ctx.scopes.includes(scope)),
    (ctx) => `JWT is missing required scopes: [${scopes.filter((s) => !ctx.scopes.includes(s)).join(', ')}]`,
    { requiredScopes: scopes },
  )
}

/** True when the claims contain `key`. */
export function keyPresent(key: string): Predicate {
  assertString('keyPresent', 'the key', key)
  return leafPredicate(`keyPresent(${key})`, (ctx) => hasClaim(ctx.claims, key), `JWT has no claim '${key}'`)
}

/** True when claim `key` equals `value` exactly. */
export function keyContainsValue(key: string, value: string): Predicate {
  assertString('keyContainsValue', 'the key', key)
  if (typeof value !== 'string') invalid('keyContainsValue', 'the expected value must be a string')
  return leafPredicate(
    `keyContainsValue(${key}, ${value})`,
    (ctx) => hasClaim(ctx.claims, key) && ctx.claims[key] === value,
    `JWT claim '${key}' does not have the expected value`,
  )
}

/** True when claim `key` equals one of `values` exactly. */
export function keyContainsValueInList(key: string, values: readonly string[]): Predicate {
  assertString('keyContainsValueInList', 'the key', key)
  if (!Array.isArray(values)) invalid('keyContainsValueInList', 'the allowed values must be a list')
  const allowed: readonly unknown[] = Object.freeze([...values])
  return leafPredicate(
    `keyContainsValueInList(${key}, [${allowed.join(', ')}])`,
    (ctx) => hasClaim(ctx.claims, key) && allowed.includes(ctx.claims[key]),
    `JWT claim '${key}' is not one of the allowed values`,
  )
}

/** True when the token's issuer is one of `issuers`. */
export function issuerIn(...issuers: string[]): Predicate {
  if (issuers.length === 0) invalid('issuerIn', 'needs at least one issuer')
  for (const i of issuers) assertString('issuerIn', 'every issuer', i)
  const allowed: readonly string[] = Object.freeze([...issuers])
  return leafPredicate(
    `issuerIn(${allowed.join(', ')})`,
    (ctx) => typeof ctx.claims.iss === 'string' && allowed.includes(ctx.claims.iss),
    'JWT issuer is not allowed for this endpoint',
  )
}

/** True outside production (DEMO, DEVELOPMENT, STAGING, TRAINING, TEST). */
export function nonProductionOnly(): Predicate {
  return leafPredicate(
    'nonProductionOnly()',
    (ctx) => !ctx.isProduction,
    'route is available only outside production',
  )
}

/** True in production only. */
export function productionOnly(): Predicate {
  return leafPredicate('productionOnly()', (ctx) => ctx.isProduction, 'route is available only in production')
}

/** Marks a route as deliberately public under `requireProtection`: no token is asked for. */
export const publicRoute: Predicate = Object.defineProperty(
  definePredicate(() => true, { description: 'publicRoute' }),
  'isPublic',
  { value: true, enumerable: true },
) as Predicate
