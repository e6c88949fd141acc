import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify'
import { CHALLENGE_INVALID, CHALLENGE_MISSING, forbidden, unauthorized } from './answers.js'
import { bearerToken } from './bearer.js'
import { type Principal, Rejection } from './claims.js'
import { isPromiseLike, type JwtClaims, type Predicate } from './predicate.js'
import { RequestPredicateContext } from './predicate-context.js'
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
}

const NO_SCOPES: readonly string[] = Object.freeze([])
const NO_CLAIMS: JwtClaims = Object.freeze({})

/** The hooks of one protected route, built once when the route is added. */
export interface CompiledRoute {
  onRequest: RouteHook
  /** Present when the predicate reads the body: it runs there, after parsing, before validation. */
  preValidation?: RouteHook
}

export function compileRoute(
  runtime: ProtectionRuntime,
  predicate: Predicate,
  verifies: boolean,
): CompiledRoute {
  const { verifier, environment, isProduction } = runtime
  const bodyStage = predicate.needsBody
  const description = predicate.description

  function denial(ctx: RequestPredicateContext): string {
    return ctx.reason === undefined ? `${description} was false` : ctx.reason
  }

  function evaluate(request: FastifyRequest, reply: FastifyReply, done: Done): void {
    const ctx = new RequestPredicateContext(request, environment, isProduction)
    let result: unknown
    try {
      result = predicate(ctx)
    } catch (error) {
      done(error as Error)
      return
    }
    if (result === true) {
      done()
      return
    }
    if (isPromiseLike(result)) {
      Promise.resolve(result).then((value) => {
        if (value === true) done()
        else forbidden(request, reply, denial(ctx))
      }, done)
      return
    }
    forbidden(request, reply, denial(ctx))
  }

  function admit(request: FastifyRequest, reply: FastifyReply, done: Done, principal: Principal): void {
    request.jwtClaims = principal.claims
    if (principal.scopes === null) {
      forbidden(request, reply, 'JWT scope claim is neither a string nor a list of strings')
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
    if (result instanceof Rejection) unauthorized(request, reply, CHALLENGE_INVALID, result.reason)
    else admit(request, reply, done, result)
  }

  const verifying: RouteHook = (request, reply, done) => {
    const token = bearerToken(request.headers.authorization)
    if (typeof token !== 'string') {
      if (token === undefined) unauthorized(request, reply, CHALLENGE_MISSING, 'no bearer token')
      else unauthorized(request, reply, CHALLENGE_INVALID, 'malformed bearer credentials')
      return
    }
    const hit = verifier.cached(token)
    if (hit !== undefined) {
      admit(request, reply, done, hit)
      return
    }
    const result = verifier.verify(token)
    if (result instanceof Promise) {
      result.then((settled) => settle(request, reply, done, settled), done)
      return
    }
    settle(request, reply, done, result)
  }

  // IGNORE_JWT_VALIDATION: decode without checking, never deny (as the seed), but still log what
  // would have been denied so a developer sees it.
  function evaluateWithoutDenying(request: FastifyRequest, done: Done): void {
    const ctx = new RequestPredicateContext(request, environment, isProduction)
    const report = (value: unknown): void => {
      if (value !== true)
        request.log.debug({ reason: denial(ctx) }, 'Predicate false, ignored (IGNORE_JWT_VALIDATION)')
      done()
    }
    try {
      const result: unknown = predicate(ctx)
      if (isPromiseLike(result)) Promise.resolve(result).then(report, () => report(false))
      else report(result)
    } catch {
      report(false)
    }
  }

  const ignoring: RouteHook = (request, reply, done) => {
    const token = bearerToken(request.headers.authorization)
    const principal = typeof token === 'string' ? verifier.decodeIgnoringValidation(token) : undefined
    request.jwtClaims = principal?.claims ?? NO_CLAIMS
    if (principal !== undefined && principal.scopes === null) {
      // The seed refuses a scope claim of the wrong type even when validation is off.
      forbidden(request, reply, 'JWT scope claim is neither a string nor a list of strings')
      return
    }
    request.jwtScopes = principal?.scopes ?? NO_SCOPES
    if (bodyStage) done()
    else evaluateWithoutDenying(request, done)
  }

  if (!verifies) {
    return {
      onRequest: ignoring,
      ...(bodyStage
        ? { preValidation: (request, _reply, done) => evaluateWithoutDenying(request, done) }
        : {}),
    }
  }
  return { onRequest: verifying, ...(bodyStage ? { preValidation: evaluate } : {}) }
}
