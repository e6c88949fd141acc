import type { FastifyRequest } from 'fastify'
import { FBI_SECURITY_INVALID_PREDICATE } from './errors.js'

/**
 * The normalised principal of a verified token: the issuer's metadata claims (with
 * `locations: [{ id }]` flattened to `location_ids`), plus `iss`, `sub` and the whole payload as `raw`.
 */
export interface JwtClaims {
  readonly iss?: string
  readonly sub?: string
  readonly raw?: Readonly<Record<string, unknown>>
  readonly location_ids?: readonly unknown[]
  readonly patient_id?: unknown
  readonly clinician_id?: unknown
  readonly device_id?: unknown
  readonly system_id?: unknown
  readonly [claim: string]: unknown
}

/** What a predicate sees. Built once per protected request; read lazily. */
export interface PredicateContext {
  readonly claims: JwtClaims
  readonly scopes: readonly string[]
  readonly params: Readonly<Record<string, unknown>>
  readonly query: Readonly<Record<string, unknown>>
  /** The parsed body; only meaningful for predicates with `needsBody` (undefined before parsing). */
  readonly body: unknown
  /** ENVIRONMENT as configured. */
  readonly environment: string
  readonly isProduction: boolean
  readonly request: FastifyRequest
  /** Why the last failing built-in predicate said no (for the debug log; never sent to the client). */
  reason: string | undefined
}

/** A plain predicate: what users write for custom rules. Only `true` passes. */
export type PredicateFunction = (ctx: PredicateContext) => boolean | Promise<boolean>

/** A predicate carrying the metadata other packages (OpenAPI, protectionReport) read duck-typed. */
export interface Predicate extends PredicateFunction {
  /** Human-readable, e.g. "and(scopesPresent(read:x), matchKeys(patient_id))". */
  readonly description: string
  /** Scopes that must be present for it to pass, collected through `and`; empty when unknown. */
  readonly requiredScopes: readonly string[]
  /** True when it reads the request body, so it runs once the body is parsed. */
  readonly needsBody: boolean
  /** Only on `publicRoute`. */
  readonly isPublic?: true
}

/** What `config.protect` and the combinators accept: a described predicate or a plain function. */
export type PredicateLike = Predicate | PredicateFunction

export interface PredicateMetadata {
  description?: string
  requiredScopes?: readonly string[]
  needsBody?: boolean
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return (
    typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function'
  )
}

function isDescribed(fn: PredicateLike): fn is Predicate {
  return typeof (fn as Partial<Predicate>).description === 'string'
}

/** Attaches the metadata to a function, read-only. */
export function definePredicate(fn: PredicateFunction, meta: PredicateMetadata = {}): Predicate {
  if (typeof fn !== 'function')
    throw new FBI_SECURITY_INVALID_PREDICATE('definePredicate', 'expects a function')
  const described = fn as Predicate
  Object.defineProperties(described, {
    description: { value: meta.description ?? (fn.name || 'custom predicate'), enumerable: true },
    requiredScopes: { value: Object.freeze([...(meta.requiredScopes ?? [])]), enumerable: true },
    needsBody: { value: meta.needsBody ?? false, enumerable: true },
  })
  return described
}

/** Gives a plain function the default metadata (a copy, so the user's function is left alone). */
export function toPredicate(fn: PredicateLike): Predicate {
  if (isDescribed(fn)) return fn
  const wrapped: PredicateFunction = (ctx) => fn(ctx)
  return definePredicate(wrapped, { description: fn.name || 'custom predicate' })
}

function invalid(name: string, why: string): never {
  throw new FBI_SECURITY_INVALID_PREDICATE(name, why)
}

function assertString(name: string, what: string, value: unknown): asserts value is string {
  if (typeof value !== 'string' || value.length === 0) invalid(name, `${what} must be a non-empty string`)
}

function hasClaim(claims: JwtClaims, key: string): boolean {
  return Object.hasOwn(claims, key)
}

/** Strict comparison of a request value with a claim: no type coercion, 123 never equals "123". */
function sameValue(requestValue: unknown, claimValue: unknown): boolean {
  return requestValue !== undefined && requestValue !== null && requestValue === claimValue
}

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
  const count = list.length
  async function rest(ctx: PredicateContext, pending: PromiseLike<unknown>, index: number): Promise<boolean> {
    if ((await pending) !== true) return false
    for (let i = index; i < count; i++) {
      if ((await (list[i] as Predicate)(ctx)) !== true) return false
    }
    return true
  }
  const all: PredicateFunction = (ctx) => {
    for (let i = 0; i < count; i++) {
      const result: unknown = (list[i] as Predicate)(ctx)
      if (result === true) continue
      if (isPromiseLike(result)) return rest(ctx, result, i + 1)
      return false
    }
    return true
  }
  const scopes = new Set<string>()
  for (const p of list) for (const s of p.requiredScopes) scopes.add(s)
  return definePredicate(all, {
    description: `and(${list.map((p) => p.description).join(', ')})`,
    requiredScopes: [...scopes],
    needsBody: list.some((p) => p.needsBody),
  })
}

/** True when any predicate is true (evaluated in order, stopping at the first true). */
export function or(...predicates: PredicateLike[]): Predicate {
  const list = checkPredicates('or', predicates)
  const count = list.length
  const description = `or(${list.map((p) => p.description).join(', ')})`
  const noneMessage = `none of ${description} passed`
  async function rest(ctx: PredicateContext, pending: PromiseLike<unknown>, index: number): Promise<boolean> {
    if ((await pending) === true) return true
    for (let i = index; i < count; i++) {
      if ((await (list[i] as Predicate)(ctx)) === true) return true
    }
    ctx.reason = noneMessage
    return false
  }
  const any: PredicateFunction = (ctx) => {
    for (let i = 0; i < count; i++) {
      const result: unknown = (list[i] as Predicate)(ctx)
      if (result === true) return true
      if (isPromiseLike(result)) return rest(ctx, result, i + 1)
    }
    ctx.reason = noneMessage
    return false
  }
  // Scopes required by every branch are required by the whole.
  const [first, ...others] = list.map((p) => p.requiredScopes)
  const common = (first ?? []).filter((s) => others.every((o) => o.includes(s)))
  return definePredicate(any, {
    description,
    requiredScopes: common,
    needsBody: list.some((p) => p.needsBody),
  })
}

/** True when every listed scope is in the token's scopes. An empty list is refused. */
export function scopesPresent(required: string | readonly string[]): Predicate {
  const list = typeof required === 'string' ? [required] : required
  if (!Array.isArray(list)) invalid('scopesPresent', 'expects a scope or a list of scopes')
  if (list.length === 0) invalid('scopesPresent', 'must require at least one scope')
  for (const s of list) assertString('scopesPresent', 'every scope', s)
  const scopes: readonly string[] = Object.freeze([...list])
  const description = `scopesPresent(${scopes.join(', ')})`
  const fn: PredicateFunction = (ctx) => {
    const have = ctx.scopes
    for (const scope of scopes) {
      if (!have.includes(scope)) {
        ctx.reason = `JWT is missing required scopes: [${scopes.filter((s) => !have.includes(s)).join(', ')}]`
        return false
      }
    }
    return true
  }
  return definePredicate(fn, { description, requiredScopes: scopes })
}

/** True when the claims contain `key`. */
export function keyPresent(key: string): Predicate {
  assertString('keyPresent', 'the key', key)
  const fn: PredicateFunction = (ctx) => {
    if (hasClaim(ctx.claims, key)) return true
    ctx.reason = `JWT has no claim '${key}'`
    return false
  }
  return definePredicate(fn, { description: `keyPresent(${key})` })
}

/** True when claim `key` equals `value` exactly. */
export function keyContainsValue(key: string, value: string): Predicate {
  assertString('keyContainsValue', 'the key', key)
  if (typeof value !== 'string') invalid('keyContainsValue', 'the expected value must be a string')
  const fn: PredicateFunction = (ctx) => {
    if (hasClaim(ctx.claims, key) && ctx.claims[key] === value) return true
    ctx.reason = `JWT claim '${key}' does not have the expected value`
    return false
  }
  return definePredicate(fn, { description: `keyContainsValue(${key}, ${value})` })
}

/** True when claim `key` equals one of `values` exactly. */
export function keyContainsValueInList(key: string, values: readonly string[]): Predicate {
  assertString('keyContainsValueInList', 'the key', key)
  if (!Array.isArray(values)) invalid('keyContainsValueInList', 'the allowed values must be a list')
  const allowed: readonly unknown[] = Object.freeze([...values])
  const fn: PredicateFunction = (ctx) => {
    if (hasClaim(ctx.claims, key) && allowed.includes(ctx.claims[key])) return true
    ctx.reason = `JWT claim '${key}' is not one of the allowed values`
    return false
  }
  return definePredicate(fn, { description: `keyContainsValueInList(${key}, [${allowed.join(', ')}])` })
}

/**
 * True when, for every `routeParam: claim` pair, the route parameter equals the claim, or the claim
 * is a list containing it. An object claim never matches. An empty map is true, as in the seed.
 */
export function matchKeys(map: Readonly<Record<string, string>>): Predicate {
  if (typeof map !== 'object' || map === null || Array.isArray(map)) {
    invalid('matchKeys', 'expects an object of { routeParam: claim }')
  }
  const pairs = Object.entries(map)
  for (const [, claim] of pairs) assertString('matchKeys', 'every claim name', claim)
  const fn: PredicateFunction = (ctx) => {
    const params = ctx.params
    const claims = ctx.claims
    for (const [param, claim] of pairs) {
      const routeValue = Object.hasOwn(params, param) ? params[param] : undefined
      const permission = hasClaim(claims, claim) ? claims[claim] : undefined
      const ok =
        routeValue !== undefined &&
        permission !== undefined &&
        (Array.isArray(permission) ? permission.includes(routeValue) : routeValue === permission)
      if (!ok) {
        ctx.reason = `route parameter '${param}' does not match JWT claim '${claim}'`
        return false
      }
    }
    return true
  }
  return definePredicate(fn, {
    description: `matchKeys(${pairs.map(([p, c]) => (p === c ? p : `${p}=${c}`)).join(', ')})`,
  })
}

/** True when the token's issuer is one of `issuers`. */
export function issuerIn(...issuers: string[]): Predicate {
  if (issuers.length === 0) invalid('issuerIn', 'needs at least one issuer')
  for (const i of issuers) assertString('issuerIn', 'every issuer', i)
  const allowed: readonly string[] = Object.freeze([...issuers])
  const fn: PredicateFunction = (ctx) => {
    const iss = ctx.claims.iss
    if (typeof iss === 'string' && allowed.includes(iss)) return true
    ctx.reason = 'JWT issuer is not allowed for this endpoint'
    return false
  }
  return definePredicate(fn, { description: `issuerIn(${allowed.join(', ')})` })
}

/** True outside production (DEMO, DEVELOPMENT, STAGING, TRAINING, TEST). */
export function nonProductionOnly(): Predicate {
  const fn: PredicateFunction = (ctx) => {
    if (!ctx.isProduction) return true
    ctx.reason = 'route is available only outside production'
    return false
  }
  return definePredicate(fn, { description: 'nonProductionOnly()' })
}

/** True in production only. */
export function productionOnly(): Predicate {
  const fn: PredicateFunction = (ctx) => {
    if (ctx.isProduction) return true
    ctx.reason = 'route is available only in production'
    return false
  }
  return definePredicate(fn, { description: 'productionOnly()' })
}

function firstQueryValue(query: Readonly<Record<string, unknown>>, name: string): unknown {
  const value = Object.hasOwn(query, name) ? query[name] : undefined
  // Like Flask's request.args.get: a repeated argument gives its first value.
  return Array.isArray(value) ? value[0] : value
}

/**
 * True when query argument `name` equals `value`, case-insensitively. As in the seed, an absent
 * argument counts as the empty string.
 */
export function argumentPresent(name: string, value: string): Predicate {
  assertString('argumentPresent', 'the argument name', name)
  if (typeof value !== 'string') invalid('argumentPresent', 'the expected value must be a string')
  const expected = value.toUpperCase()
  const fn: PredicateFunction = (ctx) => {
    const actual = firstQueryValue(ctx.query, name) ?? ''
    if (typeof actual === 'string' && actual.toUpperCase() === expected) return true
    ctx.reason = `query argument '${name}' does not have the expected value`
    return false
  }
  return definePredicate(fn, { description: `argumentPresent(${name}, ${value})` })
}

/** True when query argument `name` is absent. */
export function argumentNotPresent(name: string): Predicate {
  assertString('argumentNotPresent', 'the argument name', name)
  const fn: PredicateFunction = (ctx) => {
    if (firstQueryValue(ctx.query, name) === undefined) return true
    ctx.reason = `query argument '${name}' is present`
    return false
  }
  return definePredicate(fn, { description: `argumentNotPresent(${name})` })
}

/** True when route parameter `param` equals claim `claim` (which must be present), strictly. */
export function fieldInPathMatchesClaim(param: string, claim: string): Predicate {
  assertString('fieldInPathMatchesClaim', 'the path field', param)
  assertString('fieldInPathMatchesClaim', 'the claim', claim)
  const fn: PredicateFunction = (ctx) => {
    const value = Object.hasOwn(ctx.params, param) ? ctx.params[param] : undefined
    if (sameValue(value, hasClaim(ctx.claims, claim) ? ctx.claims[claim] : undefined)) return true
    ctx.reason = `path field '${param}' does not match JWT claim '${claim}'`
    return false
  }
  return definePredicate(fn, { description: `fieldInPathMatchesClaim(${param}, ${claim})` })
}

/** True when top-level field `field` of the JSON body equals claim `claim` (which must be present), strictly. */
export function fieldInBodyMatchesClaim(field: string, claim: string): Predicate {
  assertString('fieldInBodyMatchesClaim', 'the body field', field)
  assertString('fieldInBodyMatchesClaim', 'the claim', claim)
  const fn: PredicateFunction = (ctx) => {
    const body = ctx.body
    const value =
      typeof body === 'object' && body !== null && !Array.isArray(body) && Object.hasOwn(body, field)
        ? (body as Record<string, unknown>)[field]
        : undefined
    if (sameValue(value, hasClaim(ctx.claims, claim) ? ctx.claims[claim] : undefined)) return true
    ctx.reason = `body field '${field}' does not match JWT claim '${claim}'`
    return false
  }
  return definePredicate(fn, { description: `fieldInBodyMatchesClaim(${field}, ${claim})`, needsBody: true })
}

const alwaysTrue: PredicateFunction = () => true

/** Marks a route as deliberately public under `requireProtection`: no token is asked for. */
export const publicRoute: Predicate = Object.defineProperty(
  definePredicate(alwaysTrue, { description: 'publicRoute' }),
  'isPublic',
  { value: true, enumerable: true },
) as Predicate
