import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify'
import { type Answers, internalError, logSafely } from './answers.js'
import type { Principal } from './claims.js'
import { Rejection } from './claims.js'
import { isPromiseLike, type JwtClaims, type Predicate } from './predicate.js'
import { RequestPredicateContext } from './predicate-context.js'
import { thrownDetails } from './thrown.js'
import type { TokenVerifier } from './verifier.js'

type Done = HookHandlerDoneFunction
export type RouteHook = (request: FastifyRequest, reply: FastifyReply, done: Done) => void

/** What every route's hooks share, fixed at startup. */
export interface ProtectionRuntime {
  readonly verifier: TokenVerifier
  readonly environment: string
  readonly isProduction: boolean
  /** IGNORE_JWT_VALIDATION in effect (never in production). */
  readonly ignoreValidation: boolean
  readonly answers: Answers
  /** The token of an Authorization header (see bearer.ts). */
  readonly bearer: (header: string | undefined) => string | null | undefined
}

/**
 * Set on the request, by the route's own hooks, once its protection has passed: the proof that the
 * late check (route-protection.ts) asks for before the handler runs. Module-private, so nothing but
 * these hooks can set it.
 */
export const VERIFIED: unique symbol = Symbol('fbi.security.verified')
export type ProvenRequest = FastifyRequest & { [VERIFIED]: object | null }

const NO_SCOPES: readonly string[] = Object.freeze([])
const NO_CLAIMS: JwtClaims = Object.freeze({})

/**
 * After an await, nothing may escape as an unhandled rejection or leave the request hanging: what
 * our own continuation threw answers 500 when nothing was sent yet, and is logged either way.
 */
function lastResort(request: FastifyRequest, reply: FastifyReply, thrown: unknown): void {
  // Neither branch throws (see answers.ts): it runs in a promise's catch, where a throw would be an
  // unhandled rejection.
  if (reply.sent)
    logSafely(request, 'error', thrownDetails(thrown), 'Security hook failed after its answer was sent')
  else internalError(request, reply, 'Security hook failed: request refused', thrownDetails(thrown))
}

/** The hooks of one protected route, built once when the route is added. */
export interface CompiledRoute {
  onRequest: RouteHook
  /** Present when the predicate reads the body: it runs there, after parsing, before validation. */
  preValidation?: RouteHook
}

/**
 * Compiles a route's predicate into its hooks. Fail closed everywhere: a predicate that throws or
 * rejects, whatever the value (undefined, null, 0 and '' included), answers 500 and never reaches
 * Fastify's `done(err)`, which would read a falsy value as success.
 */
export function compileRoute(runtime: ProtectionRuntime, predicate: Predicate, proof: object): CompiledRoute {
  const { verifier, environment, isProduction, answers, bearer } = runtime
  const bodyStage = predicate.needsBody
  const description = predicate.description

  function failed(request: FastifyRequest, reply: FastifyReply, thrown: unknown): void {
    internalError(request, reply, 'Protection predicate threw or rejected: request refused', {
      protect: description,
      ...thrownDetails(thrown),
    })
  }

  function pass(request: FastifyRequest, done: Done): void {
    ;(request as ProvenRequest)[VERIFIED] = proof
    done()
  }

  function deny(request: FastifyRequest, reply: FastifyReply, ctx: RequestPredicateContext): void {
    const reason = ctx.reason ?? `${description} was false`
    if (ctx.ambiguous !== undefined) answers.badRequest(request, reply, ctx.ambiguous)
    else answers.forbidden(request, reply, reason)
  }

  function evaluate(request: FastifyRequest, reply: FastifyReply, done: Done): void {
    const ctx = new RequestPredicateContext(request, environment, isProduction)
    let result: unknown
    let pending: Promise<unknown> | undefined
    try {
      result = predicate(ctx)
      // Reading a returned thenable is the predicate's code too (a `then` or `constructor` getter).
      if (result !== true && isPromiseLike(result)) pending = Promise.resolve(result)
    } catch (thrown) {
      failed(request, reply, thrown)
      return
    }
    if (result === true) {
      pass(request, done)
      return
    }
    if (pending !== undefined) {
      pending
        .then(
          (value) => (value === true ? pass(request, done) : deny(request, reply, ctx)),
          (thrown: unknown) => failed(request, reply, thrown),
        )
        .catch((thrown: unknown) => lastResort(request, reply, thrown))
      return
    }
    deny(request, reply, ctx)
  }

  function admit(request: FastifyRequest, reply: FastifyReply, done: Done, principal: Principal): void {
    request.jwtClaims = principal.claims
    if (principal.scopes === null) {
      answers.forbidden(request, reply, 'JWT scope claim is neither a string nor a list of strings')
      return
    }
    request.jwtScopes = principal.scopes
    if (bodyStage) done()
    else evaluate(request, reply, done)
  }

  function settle(
    request: FastifyRequest,
    reply: FastifyReply,
    done: Done,
    result: Principal | Rejection,
  ): void {
    if (result instanceof Rejection) answers.invalid(request, reply, result.reason)
    else admit(request, reply, done, result)
  }

  const verifying: RouteHook = (request, reply, done) => {
    const token = bearer(request.headers.authorization)
    if (typeof token !== 'string') {
      if (token === undefined) answers.missing(request, reply, 'no bearer token')
      else answers.invalid(request, reply, 'malformed bearer credentials')
      return
    }
    const hit = verifier.cached(token)
    if (hit !== undefined) {
      admit(request, reply, done, hit)
      return
    }
    let result: ReturnType<TokenVerifier['verify']>
    try {
      result = verifier.verify(token)
    } catch (thrown) {
      internalError(request, reply, 'Token verification threw: request refused', thrownDetails(thrown))
      return
    }
    if (result instanceof Promise) {
      result
        .then(
          (settled) => settle(request, reply, done, settled),
          (thrown: unknown) =>
            internalError(
              request,
              reply,
              'Token verification rejected: request refused',
              thrownDetails(thrown),
            ),
        )
        .catch((thrown: unknown) => lastResort(request, reply, thrown))
      return
    }
    settle(request, reply, done, result)
  }

  // IGNORE_JWT_VALIDATION: decode without checking, never deny (as the seed), but still log what
  // would have been denied so a developer sees it. A predicate that throws still answers 500.
  function evaluateWithoutDenying(request: FastifyRequest, reply: FastifyReply, done: Done): void {
    const ctx = new RequestPredicateContext(request, environment, isProduction)
    const report = (value: unknown): void => {
      if (value !== true)
        logSafely(
          request,
          'debug',
          { reason: ctx.ambiguous ?? ctx.reason ?? `${description} was false` },
          'Predicate false, ignored (IGNORE_JWT_VALIDATION)',
        )
      pass(request, done)
    }
    let result: unknown
    let pending: Promise<unknown> | undefined
    try {
      result = predicate(ctx)
      if (isPromiseLike(result)) pending = Promise.resolve(result)
    } catch (thrown) {
      failed(request, reply, thrown)
      return
    }
    if (pending !== undefined) {
      pending
        .then(report, (thrown: unknown) => failed(request, reply, thrown))
        .catch((thrown: unknown) => lastResort(request, reply, thrown))
    } else {
      report(result)
    }
  }

  const ignoring: RouteHook = (request, reply, done) => {
    const token = bearer(request.headers.authorization)
    const principal = typeof token === 'string' ? verifier.decodeIgnoringValidation(token) : undefined
    request.jwtClaims = principal?.claims ?? NO_CLAIMS
    if (principal !== undefined && principal.scopes === null) {
      // The seed refuses a scope claim of the wrong type even when validation is off.
      answers.forbidden(request, reply, 'JWT scope claim is neither a string nor a list of strings')
      return
    }
    request.jwtScopes = principal?.scopes ?? NO_SCOPES
    if (bodyStage) done()
    else evaluateWithoutDenying(request, reply, done)
  }

  if (runtime.ignoreValidation) {
    return { onRequest: ignoring, ...(bodyStage ? { preValidation: evaluateWithoutDenying } : {}) }
  }
  return { onRequest: verifying, ...(bodyStage ? { preValidation: evaluate } : {}) }
}
