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
  /**
   * Set by a predicate that could not read its input unambiguously (a repeated query argument):
   * when the whole predicate is false, the request is answered 400 instead of 403.
   */
  ambiguous: string | undefined
}

/** The request inputs a predicate reads, checked against each route at startup. */
export interface PredicateInputs {
  /** Route (path) parameters. */
  readonly params: readonly string[]
  /** Query arguments. */
  readonly query: readonly string[]
  /** Top-level fields of the JSON body. */
  readonly body: readonly string[]
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
  /** The request inputs it reads (empty lists when unknown, as for custom predicates). */
  readonly reads: PredicateInputs
  /** Only on `publicRoute`. */
  readonly isPublic?: true
}

/** What `config.protect` and the combinators accept: a described predicate or a plain function. */
export type PredicateLike = Predicate | PredicateFunction

export interface PredicateMetadata {
  description?: string
  requiredScopes?: readonly string[]
  needsBody?: boolean
  /** The route parameters, query arguments and body fields it reads, checked at startup. */
  reads?: Partial<PredicateInputs>
}

const frozenList = (list: readonly string[] | undefined): readonly string[] =>
  Object.freeze([...(list ?? [])])

/** Every input any of `predicates` reads. */
export function readsOfAll(predicates: readonly Predicate[]): PredicateInputs {
  const union = (key: keyof PredicateInputs) => [...new Set(predicates.flatMap((p) => p.reads[key]))]
  return { params: union('params'), query: union('query'), body: union('body') }
}

export function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return (
    typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function'
  )
}

/** Made by definePredicate (all metadata present), not only shaped like one. */
function isDescribed(fn: PredicateLike): fn is Predicate {
  const meta = fn as Partial<Predicate>
  return (
    typeof meta.description === 'string' &&
    Array.isArray(meta.requiredScopes) &&
    typeof meta.reads === 'object'
  )
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
    reads: {
      value: Object.freeze({
        params: frozenList(meta.reads?.params),
        query: frozenList(meta.reads?.query),
        body: frozenList(meta.reads?.body),
      }),
      enumerable: true,
    },
  })
  return described
}

/** Gives a plain function the default metadata (a copy, so the user's function is left alone). */
export function toPredicate(fn: PredicateLike): Predicate {
  if (isDescribed(fn)) return fn
  const wrapped: PredicateFunction = (ctx) => fn(ctx)
  const partial = fn as Partial<Predicate>
  return definePredicate(wrapped, {
    description:
      typeof partial.description === 'string' ? partial.description : fn.name || 'custom predicate',
    ...(Array.isArray(partial.requiredScopes) ? { requiredScopes: partial.requiredScopes } : {}),
    ...(partial.needsBody === true ? { needsBody: true } : {}),
  })
}

export function invalid(name: string, why: string): never {
  throw new FBI_SECURITY_INVALID_PREDICATE(name, why)
}

export function assertString(name: string, what: string, value: unknown): asserts value is string {
  if (typeof value !== 'string' || value.length === 0) invalid(name, `${what} must be a non-empty string`)
}

/**
 * A built-in leaf predicate: a synchronous test of the context and the reason it logs when the test
 * is false. Every combinator but `and` and `or` is one.
 */
export function leafPredicate(
  description: string,
  test: (ctx: PredicateContext) => boolean,
  reason: string | ((ctx: PredicateContext) => string),
  meta: Omit<PredicateMetadata, 'description'> = {},
): Predicate {
  const fn: PredicateFunction = (ctx) => {
    if (test(ctx)) return true
    ctx.reason = typeof reason === 'string' ? reason : reason(ctx)
    return false
  }
  return definePredicate(fn, { ...meta, description })
}

/**
 * Runs `list` in order until a predicate's outcome equals `stopAt` (false for `and`, true for `or`)
 * and answers that; when none does, answers `!stopAt`, after `exhausted` (the reason of `or`). It
 * stays synchronous while the predicates are, and continues asynchronously from the first promise.
 */
export function evaluateInSeries(
  list: readonly Predicate[],
  stopAt: boolean,
  exhausted?: (ctx: PredicateContext) => void,
): PredicateFunction {
  const count = list.length
  async function rest(ctx: PredicateContext, pending: PromiseLike<unknown>, next: number): Promise<boolean> {
    if (((await pending) === true) === stopAt) return stopAt
    for (let i = next; i < count; i++) {
      if (((await (list[i] as Predicate)(ctx)) === true) === stopAt) return stopAt
    }
    exhausted?.(ctx)
    return !stopAt
  }
  return (ctx) => {
    for (let i = 0; i < count; i++) {
      const result: unknown = (list[i] as Predicate)(ctx)
      if (isPromiseLike(result)) return rest(ctx, result, i + 1)
      if ((result === true) === stopAt) return stopAt
    }
    exhausted?.(ctx)
    return !stopAt
  }
}
