/**
 * THE file to update when fbi's behaviour changes: how each mode is configured, which named
 * differences (src/differences.ts, documented in docs/migrating-from-flask-batteries-included.md)
 * each row of the matrix shows, and which rows still wait for a fix that has not landed.
 *
 * A row not listed in EXPECTED must answer as the original does, but for the any-row differences
 * (charset, the `code` field, JSON instead of HTML pages …; in compat mode only those the switch does
 * not restore). A difference listed for a row must occur there. In compat mode a row may list only
 * differences that nothing restores: the short list of unavoidable ones. A row in PENDING must still
 * show exactly the problems written there: when the awaited fix lands the row fails, as a reminder
 * to delete its PENDING entry.
 */
import type { FbiOptions } from '@fbi/all'
import type { Mode } from './session.js'
import { INTERNAL_ISSUER } from './tokens.js'

/** The @fbi/all options of each fbi app (beside `db: true` and the shared environment). */
export const MODE_OPTIONS: Readonly<Record<Mode, FbiOptions>> = {
  default: {},
  // As a Polaris service would run beside Flask ones: the original's answers, and the internal
  // issuer's tokens accepted without aud or exp, as the original accepted them.
  compat: {
    compat: 'flask',
    security: { claimRequirements: { [INTERNAL_ISSUER]: { requireAudience: false, requireExpiry: false } } },
  },
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
  'auth.scheme-lowercase': { default: ['lenient-authorization-header'] },
  'auth.scheme-uppercase': { default: ['lenient-authorization-header'] },
  'auth.scheme-two-spaces': UNAUTHENTICATED_401,
  'auth.token-trailing-space': { both: ['header-whitespace-trimmed'] },
  'auth.scheme-basic': UNAUTHENTICATED_401,
  'auth.token-without-scheme': UNAUTHENTICATED_401,
  'auth.bearer-without-token': UNAUTHENTICATED_401,
  'auth.not-a-jwt': UNAUTHENTICATED_401,
  'auth.two-part-token': UNAUTHENTICATED_401,
  'auth.scope-as-array': { default: ['scopes-as-json-array'] },
  'auth.path-id-encoded-slash': { both: ['encoded-slash-in-path-parameter'] },
  'error.type': { default: ['javascript-type-error-is-500'] },
  'error.type-bare': { default: ['javascript-type-error-is-500'] },
  'sql.unique': { default: ['database-client-errors-are-4xx'] },
  'sql.foreign-key': { default: ['database-client-errors-are-4xx'] },
  'sql.bad-uuid': { default: ['database-client-errors-are-4xx'] },
  'body.bool-for-int': { default: ['boolean-is-not-an-integer'] },
  'body.12.0-for-int': { both: ['json-cannot-tell-12.0-from-12'] },
  'body.json-suffix-type': { default: ['json-suffix-media-types-refused'] },
  'get-body.json-type-no-body': { default: ['json-content-type-without-body-allowed'] },
  'get-body.protected-route': { default: ['json-body-refused-on-every-get-and-delete'] },
  'request-id.on-401': UNAUTHENTICATED_401,
  'etag.star-on-404': { both: ['preconditions-ignored-on-errors'] },
  'etag.star-on-error': { both: ['preconditions-ignored-on-errors'] },
  'etag.star-on-running': { default: ['monitoring-routes-never-304'] },
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

/**
 * The fixes pending rows wait for: compat answers that differ from the original's although nothing
 * makes them unavoidable (issue 13), each reported to the lead with the package that owns it.
 */
export const AWAITED = {} as const

/** A row that does not meet its expectation yet: the problems it shows today, per mode. */
export interface PendingRow {
  readonly awaits: readonly (keyof typeof AWAITED)[]
  readonly default?: readonly string[]
  readonly compat?: readonly string[]
}

export const PENDING: Readonly<Record<string, PendingRow>> = {}
