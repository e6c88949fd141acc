import type { FastifyRequest } from 'fastify'
import type { JwtClaims, PredicateContext } from './predicate.js'

const NO_SCOPES: readonly string[] = Object.freeze([])
const NO_VALUES: Readonly<Record<string, unknown>> = Object.freeze({})

/** A predicate's view of one request: a single small object, everything read lazily from the request. */
export class RequestPredicateContext implements PredicateContext {
  reason: string | undefined = undefined
  /** Set by a built-in predicate that could not read its input unambiguously: answered 400. */
  ambiguous: string | undefined = undefined
  readonly request: FastifyRequest
  readonly environment: string
  readonly isProduction: boolean
  constructor(request: FastifyRequest, environment: string, isProduction: boolean) {
    this.request = request
    this.environment = environment
    this.isProduction = isProduction
  }
  get claims(): JwtClaims {
    return this.request.jwtClaims ?? NO_VALUES
  }
  get scopes(): readonly string[] {
    return this.request.jwtScopes ?? NO_SCOPES
  }
  get params(): Readonly<Record<string, unknown>> {
    return (this.request.params as Record<string, unknown> | undefined) ?? NO_VALUES
  }
  get query(): Readonly<Record<string, unknown>> {
    return (this.request.query as Record<string, unknown> | undefined) ?? NO_VALUES
  }
  get body(): unknown {
    return this.request.body
  }
}
