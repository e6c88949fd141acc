/**
 * THE file to update when fbi's behaviour changes: how each mode is configured, which named
 * differences (src/differences.ts, documented in docs/migrating-from-flask-batteries-included.md)
 * each row of the matrix shows, and which rows still wait for work that has not landed.
 *
 * A row not listed in EXPECTED must answer as the original does, but for the any-row differences
 * (charset, the `code` field, JSON instead of HTML pages, ETags on errors …). A difference listed
 * for a row must occur there. A row in PENDING must still show exactly the problems written there:
 * when the awaited work lands the row fails, as a reminder to delete its PENDING entry.
 */
import type { FbiOptions } from '@fbi/all'
import type { Mode } from './session.js'

/** The @fbi/all options of each fbi app (beside `db: true` and the shared environment). */
export const MODE_OPTIONS: Readonly<Record<Mode, FbiOptions>> = {
  default: {},
  // When @fbi/security's per-issuer opt-out of aud/exp lands, turn it on here for the internal
  // issuer (the original accepted such tokens), then drop the auth.no-aud* rows from PENDING.
  compat: { compat: 'flask' },
}

/** Named differences a row shows: in both modes, or in one. */
export interface RowExpectation {
  readonly both?: readonly string[]
  readonly default?: readonly string[]
  readonly compat?: readonly string[]
}

const UNAUTHENTICATED_401: RowExpectation = { default: ['unauthenticated-is-401'] }

export const EXPECTED: Readonly<Record<string, RowExpectation>> = {
  'auth.no-header': UNAUTHENTICATED_401,
  'auth.no-aud': { default: ['aud-and-exp-required'] },
  'auth.no-exp': { default: ['aud-and-exp-required'] },
  'auth.no-aud-no-exp': { default: ['aud-and-exp-required'] },
  'auth.no-iss': UNAUTHENTICATED_401,
  'auth.iss-without-slash': UNAUTHENTICATED_401,
  'auth.expired': UNAUTHENTICATED_401,
  'auth.nbf-in-future': UNAUTHENTICATED_401,
  'auth.wrong-key': UNAUTHENTICATED_401,
  'auth.alg-none': UNAUTHENTICATED_401,
  'auth.alg-claimed-rs256': {
    both: ['original-500-on-unhandled-error'],
    default: ['unauthenticated-is-401'],
  },
  'auth.wrong-aud': UNAUTHENTICATED_401,
  'auth.unknown-iss': UNAUTHENTICATED_401,
  'auth.scheme-lowercase': { both: ['lenient-authorization-header'] },
  'auth.scheme-uppercase': { both: ['lenient-authorization-header'] },
  'auth.scheme-two-spaces': UNAUTHENTICATED_401,
  'auth.token-trailing-space': { both: ['lenient-authorization-header'] },
  'auth.scheme-basic': UNAUTHENTICATED_401,
  'auth.token-without-scheme': UNAUTHENTICATED_401,
  'auth.bearer-without-token': UNAUTHENTICATED_401,
  'auth.not-a-jwt': UNAUTHENTICATED_401,
  'auth.two-part-token': UNAUTHENTICATED_401,
  'auth.scope-as-array': { both: ['scopes-as-json-array'] },
  'auth.path-id-encoded-slash': { both: ['encoded-slash-in-path-parameter'] },
  'error.type': { both: ['javascript-type-error-is-500'] },
  'error.type-bare': { both: ['javascript-type-error-is-500'] },
  'sql.unique': { both: ['original-500-on-unhandled-error'] },
  'sql.foreign-key': { both: ['original-500-on-unhandled-error'] },
  'sql.bad-uuid': { both: ['original-500-on-unhandled-error'] },
  'body.bool-for-int': { both: ['boolean-is-not-an-integer'] },
  'body.12.0-for-int': { both: ['json-cannot-tell-12.0-from-12'] },
  'body.json-suffix-type': { both: ['json-suffix-media-types-refused'] },
  'get-body.json-type-no-body': { both: ['json-content-type-without-body-allowed'] },
  'get-body.protected-route': { both: ['json-body-refused-on-every-get-and-delete'] },
  'get-body.delete-unrouted': { both: ['json-body-refused-on-every-get-and-delete'] },
  'request-id.on-401': UNAUTHENTICATED_401,
  'etag.star-on-404': { both: ['preconditions-ignored-on-errors'] },
  'etag.star-on-error': { both: ['preconditions-ignored-on-errors'] },
  'etag.star-on-running': { both: ['monitoring-routes-never-304'] },
  'deprecated.dated': { default: ['deprecation-header-form'] },
  'deprecated.plain': { default: ['deprecation-header-form'] },
  'deprecated.head': { default: ['deprecation-header-form'] },
  'deprecated.own-etag': { default: ['deprecation-header-form'] },
  'monitor.healthcheck': { default: ['health-check-names'] },
  'monitor.metrics': { default: ['metric-names'] },
}

/** The named differences expected on a row in a mode. */
export function expectedFor(id: string, mode: Mode): readonly string[] {
  const row = EXPECTED[id]
  return row === undefined ? [] : [...(row.both ?? []), ...(row[mode] ?? [])]
}

/** The work a pending row waits for (issue 13), by the helper branch that carries it. */
export const AWAITED = {
  security403: 'security: missing or invalid token answers 403 without WWW-Authenticate in compat',
  securityClaims: 'security: per-issuer opt-out of aud/exp (then set it in MODE_OPTIONS.compat)',
  sqlstate: 'errors: SQLSTATE 40001/40P01 (class 40), 53xxx, 55P03 answer 503',
  nullOptional: 'schema: StrictBody accepts null for an optional key',
  methodNotAllowed: 'errors: 405 with Allow for a known path, OPTIONS answers with Allow',
  emptyParameter: 'errors: an empty path parameter is a 404',
  requestIdEverywhere: 'unassigned: X-Request-ID on answers given before the monitoring hooks ran',
  requestIdSources: 'monitoring: request id from X-Correlation-ID, then X-Amzn-Trace-Id',
  ifNoneMatch: 'monitoring: If-None-Match per RFC 9110 (lists, weak comparison, *), 304 without body headers',
  deprecationForm: "monitoring: the original's Deprecation date form in compat",
  metricNames: "monitoring: the original's metric names and labels in compat",
  healthCheckNames: 'db: health checks database_connectivity_test and database_version_test in compat',
} as const

/** A row that does not meet its expectation yet: the problems it shows today, per mode. */
export interface PendingRow {
  readonly awaits: readonly (keyof typeof AWAITED)[]
  readonly default?: readonly string[]
  readonly compat?: readonly string[]
}

export const PENDING: Readonly<Record<string, PendingRow>> = {
  'auth.no-header': { awaits: ['security403'], compat: ['status', 'www-authenticate'] },
  'auth.no-aud': {
    awaits: ['security403', 'securityClaims'],
    compat: ['status', 'www-authenticate', 'body'],
  },
  'auth.no-exp': {
    awaits: ['security403', 'securityClaims'],
    compat: ['status', 'www-authenticate', 'body'],
  },
  'auth.no-aud-no-exp': {
    awaits: ['security403', 'securityClaims'],
    compat: ['status', 'www-authenticate', 'body'],
  },
  'auth.no-iss': { awaits: ['security403'], compat: ['status', 'www-authenticate'] },
  'auth.iss-without-slash': { awaits: ['security403'], compat: ['status', 'www-authenticate'] },
  'auth.expired': { awaits: ['security403'], compat: ['status', 'www-authenticate'] },
  'auth.nbf-in-future': { awaits: ['security403'], compat: ['status', 'www-authenticate'] },
  'auth.wrong-key': { awaits: ['security403'], compat: ['status', 'www-authenticate'] },
  'auth.alg-none': { awaits: ['security403'], compat: ['status', 'www-authenticate'] },
  'auth.alg-claimed-rs256': { awaits: ['security403'], compat: ['www-authenticate'] },
  'auth.wrong-aud': { awaits: ['security403'], compat: ['status', 'www-authenticate'] },
  'auth.unknown-iss': { awaits: ['security403'], compat: ['status', 'www-authenticate'] },
  'auth.scheme-two-spaces': { awaits: ['security403'], compat: ['status', 'www-authenticate'] },
  'auth.scheme-basic': { awaits: ['security403'], compat: ['status', 'www-authenticate'] },
  'auth.token-without-scheme': { awaits: ['security403'], compat: ['status', 'www-authenticate'] },
  'auth.bearer-without-token': { awaits: ['security403'], compat: ['status', 'www-authenticate'] },
  'auth.not-a-jwt': { awaits: ['security403'], compat: ['status', 'www-authenticate'] },
  'auth.two-part-token': { awaits: ['security403'], compat: ['status', 'www-authenticate'] },
  'sql.serialization': { awaits: ['sqlstate'], default: ['status'], compat: ['status'] },
  'sql.deadlock': { awaits: ['sqlstate'], default: ['status'], compat: ['status'] },
  'body.null-optional': { awaits: ['nullOptional'], default: ['status', 'body'], compat: ['status', 'body'] },
  'body.null-optionals': {
    awaits: ['nullOptional'],
    default: ['status', 'body'],
    compat: ['status', 'body'],
  },
  'get-body.json': { awaits: ['requestIdEverywhere'], default: ['x-request-id'], compat: ['x-request-id'] },
  'get-body.json-suffix-type': {
    awaits: ['requestIdEverywhere'],
    default: ['x-request-id'],
    compat: ['x-request-id'],
  },
  'get-body.protected-route': {
    awaits: ['requestIdEverywhere'],
    default: ['x-request-id'],
    compat: ['x-request-id'],
  },
  'get-body.delete-unrouted': {
    awaits: ['requestIdEverywhere'],
    default: ['x-request-id'],
    compat: ['x-request-id'],
  },
  'request-id.correlation-id': {
    awaits: ['requestIdSources'],
    default: ['x-request-id'],
    compat: ['x-request-id'],
  },
  'request-id.amzn-root': {
    awaits: ['requestIdSources'],
    default: ['x-request-id'],
    compat: ['x-request-id'],
  },
  'request-id.amzn-self': {
    awaits: ['requestIdSources'],
    default: ['x-request-id'],
    compat: ['x-request-id'],
  },
  'request-id.correlation-wins-over-amzn': {
    awaits: ['requestIdSources'],
    default: ['x-request-id'],
    compat: ['x-request-id'],
  },
  'request-id.on-401': { awaits: ['security403'], compat: ['status', 'www-authenticate'] },
  'request-id.on-405': {
    awaits: ['methodNotAllowed'],
    default: ['status', 'allow'],
    compat: ['status', 'allow'],
  },
  'etag.own': { awaits: ['ifNoneMatch'], default: ['content-type'], compat: ['content-type'] },
  'etag.own-weak': { awaits: ['ifNoneMatch'], default: ['content-type'], compat: ['content-type'] },
  'etag.list-with-own': {
    awaits: ['ifNoneMatch'],
    default: ['status', 'content-type', 'body'],
    compat: ['status', 'content-type', 'body'],
  },
  'etag.list-with-own-weak': {
    awaits: ['ifNoneMatch'],
    default: ['status', 'content-type', 'body'],
    compat: ['status', 'content-type', 'body'],
  },
  'etag.star': {
    awaits: ['ifNoneMatch'],
    default: ['status', 'content-type', 'body'],
    compat: ['status', 'content-type', 'body'],
  },
  'etag.own-head': { awaits: ['ifNoneMatch'], default: ['content-type'], compat: ['content-type'] },
  'etag.protected-own': { awaits: ['ifNoneMatch'], default: ['content-type'], compat: ['content-type'] },
  'route.post-running': {
    awaits: ['methodNotAllowed'],
    default: ['status', 'allow'],
    compat: ['status', 'allow'],
  },
  'route.put-protected': {
    awaits: ['methodNotAllowed'],
    default: ['status', 'allow'],
    compat: ['status', 'allow'],
  },
  'route.post-protected': {
    awaits: ['methodNotAllowed'],
    default: ['status', 'allow'],
    compat: ['status', 'allow'],
  },
  'route.delete-g': {
    awaits: ['methodNotAllowed'],
    default: ['status', 'allow'],
    compat: ['status', 'allow'],
  },
  'route.get-s': { awaits: ['methodNotAllowed'], default: ['status', 'allow'], compat: ['status', 'allow'] },
  'route.put-s': { awaits: ['methodNotAllowed'], default: ['status', 'allow'], compat: ['status', 'allow'] },
  'route.patch-s': {
    awaits: ['methodNotAllowed'],
    default: ['status', 'allow'],
    compat: ['status', 'allow'],
  },
  'route.options-running': {
    awaits: ['methodNotAllowed'],
    default: ['status', 'allow'],
    compat: ['status', 'allow'],
  },
  'route.options-protected': {
    awaits: ['methodNotAllowed'],
    default: ['status', 'allow'],
    compat: ['status', 'allow'],
  },
  'route.options-s': {
    awaits: ['methodNotAllowed'],
    default: ['status', 'allow'],
    compat: ['status', 'allow'],
  },
  'route.protected-without-id': {
    awaits: ['emptyParameter'],
    default: ['status', 'www-authenticate'],
    compat: ['status', 'www-authenticate'],
  },
  'route.protected-without-id-with-token': {
    awaits: ['emptyParameter'],
    default: ['status'],
    compat: ['status'],
  },
  'deprecated.dated': { awaits: ['deprecationForm'], compat: ['deprecation'] },
  'deprecated.plain': { awaits: ['deprecationForm'], compat: ['deprecation'] },
  'deprecated.head': { awaits: ['deprecationForm'], compat: ['deprecation'] },
  'deprecated.own-etag': {
    awaits: ['ifNoneMatch', 'deprecationForm'],
    default: ['content-type'],
    compat: ['content-type', 'deprecation'],
  },
  'monitor.healthcheck': { awaits: ['healthCheckNames'], compat: ['health-checks'] },
  'monitor.healthcheck-post': {
    awaits: ['methodNotAllowed'],
    default: ['status', 'allow'],
    compat: ['status', 'allow'],
  },
  'monitor.metrics': { awaits: ['metricNames'], compat: ['metric-families'] },
}
