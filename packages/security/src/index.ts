import { failClosed } from '@fbi/config/fail-closed'
import type { FastifyPluginAsync } from 'fastify'
import fp from 'fastify-plugin'
import { createAnswers } from './answers.js'
import { bearerToken, bearerTokenExact } from './bearer.js'
import { issuersFromConfig } from './config-issuers.js'
import { resolveIssuers } from './issuers.js'
import { JwksMonitoring } from './jwks-monitoring.js'
import { type FbiSecurityOptions, resolveOptions } from './options.js'
import type { JwtClaims, PredicateLike } from './predicate.js'
import type { ProtectionReportEntry } from './route-audit.js'
import { protectRoutes } from './route-protection.js'
import { createSystemJwtClient } from './system-jwt.js'
import { asError } from './thrown.js'
import { TokenVerifier } from './verifier.js'

export {
  ASYMMETRIC_ALGORITHMS,
  type AsymmetricAlgorithm,
  HS_ALGORITHMS,
  HS_MIN_KEY_BYTES,
  type HsAlgorithm,
} from './algorithms.js'
export { bearerToken } from './bearer.js'
export {
  type AuthenticatedRequest,
  currentJwtUser,
  describeCurrentJwtUser,
  isAuthenticated,
  type JwtUserIdKind,
} from './current-user.js'
export * from './errors.js'
export type { ClaimRequirements, HsIssuer, IssuerDefinition, JwksIssuer } from './issuer-types.js'
export type { JwksFailureReason, JwksStatus } from './jwks.js'
export { JWKS_METRIC_NAMES } from './jwks-metrics.js'
export type { FbiSecurityOptions } from './options.js'
export {
  definePredicate,
  type JwtClaims,
  type Predicate,
  type PredicateContext,
  type PredicateFunction,
  type PredicateInputs,
  type PredicateLike,
  type PredicateMetadata,
} from './predicate.js'
export * from './predicates.js'
export * from './request-predicates.js'
export type { ProtectionReportEntry } from './route-audit.js'
export { createSystemJwtClient, type SystemJwtClient, type SystemJwtClientOptions } from './system-jwt.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** Every route of the app with its protection (complete once the app is ready). */
    protectionReport(): ProtectionReportEntry[]
    /** A system token from the system-token service (undefined when IGNORE_JWT_VALIDATION is on). */
    getSystemJwt(systemId: string): Promise<string | undefined>
    /** Adds `Authorization: Bearer <system token>` to `headers` (unchanged when IGNORE_JWT_VALIDATION is on). */
    addSystemJwtToHeaders<H extends Record<string, string>>(
      headers: H,
      systemId: string,
    ): Promise<H & { Authorization?: string }>
  }
  interface FastifyRequest {
    /**
     * The verified token's normalised claims: set on protected routes, null on routes without
     * `protect` (and on `publicRoute`). `isAuthenticated(request)` narrows it.
     */
    jwtClaims: JwtClaims | null
    /** The verified token's scopes: set on protected routes, null elsewhere. */
    jwtScopes: readonly string[] | null
  }
  interface FastifyContextConfig {
    /** Who may call this route (@fbi/security). `publicRoute` marks a deliberate exception. */
    protect?: PredicateLike
  }
}

const fbiSecurity: FastifyPluginAsync<FbiSecurityOptions> = async (fastify, opts) => {
  // Options: checked, defaulted, and read against app.config (present: fastify-plugin's
  // `decorators` check refuses to register us without @fbi/config).
  const options = resolveOptions(opts, fastify.config, (message) => fastify.log.warn(message))

  // Issuers and the verifier: each issuer's key, algorithms and claim keys, fixed at startup.
  const issuers = resolveIssuers(
    [...(options.configIssuers ? issuersFromConfig(fastify.config) : []), ...options.issuers],
    {
      internalAudience: fastify.config.jwt?.internalIssuer,
      isProduction: options.isProduction,
      compat: options.compat,
      claimRequirements: options.claimRequirements,
      warn: (details, message) => fastify.log.warn(details, message),
    },
  )
  if (issuers.length === 0) fastify.log.warn('@fbi/security has no issuer: every protected route answers 401')
  const jwksMonitoring = new JwksMonitoring(fastify)
  const verifier = new TokenVerifier(issuers, {
    clockToleranceSec: options.clockToleranceSec,
    maxTokenAge: options.maxTokenAge,
    cacheSize: options.cacheSize,
    ttlMs: options.jwksCacheTtlMs,
    timeoutMs: options.jwksFetchTimeoutMs,
    cooldownMs: options.jwksCooldownMs,
    onFetch: jwksMonitoring.onFetch,
    stringScopesOnly: options.compat,
  })

  // Decorators: the request's principal (set by the route hooks, never shared between requests)
  // and the system-token client.
  fastify.decorateRequest('jwtClaims', null)
  fastify.decorateRequest('jwtScopes', null)
  const systemJwt = createSystemJwtClient({
    baseUrl: options.systemAuthUrl,
    timeoutMs: options.systemJwtTimeoutMs,
    disabled: options.ignoreValidation,
  })
  fastify.decorate('getSystemJwt', systemJwt.getSystemJwt)
  fastify.decorate('addSystemJwtToHeaders', systemJwt.addSystemJwtToHeaders)

  // Why a request was refused: on its one log line when @fbi/monitoring writes one (known at onReady).
  const refusals = { onRequestLine: false }
  fastify.addHook('onReady', (done) => {
    refusals.onRequestLine = fastify.hasRequestDecorator('refusal')
    done()
  })

  // Hooks: every route's protection compiled in onRoute, the late check that no protected handler
  // runs unverified, the startup audit of the route table (requireProtection), protectionReport().
  protectRoutes(
    fastify,
    {
      verifier,
      environment: options.environment,
      isProduction: options.isProduction,
      ignoreValidation: options.ignoreValidation,
      answers: createAnswers(options.compat, refusals),
      bearer: options.compat ? bearerTokenExact : bearerToken,
    },
    options,
  )

  // Monitoring: the jwks health check and metrics, when @fbi/monitoring provides them. At onReady,
  // so it does not matter whether @fbi/monitoring was registered before or after this plugin. An
  // async onReady hook that rejects with a falsy value reads as a success too.
  fastify.addHook('onReady', async () => {
    try {
      await jwksMonitoring.watch(verifier.jwksStores)
    } catch (thrown) {
      throw asError(thrown)
    }
  })
}

// A logger or an option getter throwing a falsy value must not leave the plugin "loaded" with every
// protected route served unverified.
const plugin = fp(failClosed(fbiSecurity, asError), {
  name: '@fbi/security',
  // 5.3 added getDecorator, through which @fbi/monitoring's decorators are read.
  fastify: '>=5.3.0 <6',
  dependencies: ['@fbi/config'],
  decorators: { fastify: ['config'] },
})
export default plugin
export { plugin as fbiSecurity }
