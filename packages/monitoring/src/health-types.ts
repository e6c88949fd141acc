/** The public shapes of health checks: a check, its options, its result, and the report of a probe. */
/**
 * A health check: passes when it returns or resolves; fails when it throws, rejects (whatever the
 * value), times out, or returns `false` or an Error.
 */
export type HealthCheck = () => unknown

/**
 * The three questions Kubernetes asks: is the process alive (liveness: restart it if not), may it
 * take traffic (readiness), has it finished starting (startup).
 */
export const HEALTH_GROUPS = Object.freeze(['liveness', 'readiness', 'startup'] as const)
export type HealthGroup = (typeof HEALTH_GROUPS)[number]

export interface HealthCheckOptions {
  /** How long the check may take before it counts as failed. Default: the plugin's `healthCheckTimeoutMs`. */
  timeoutMs?: number
  /** The probes whose answer the check joins. Default: ['readiness'] (the seed's /healthcheck was readiness). */
  groups?: readonly HealthGroup[]
  /** A failing critical check fails its groups; a non-critical one is reported and logged, and fails nothing. Default: true. */
  critical?: boolean
}

/** One check's outcome, in the seed's (Python `healthcheck` library's) format. Times are Unix seconds. */
export interface HealthCheckResult {
  checker: string
  /** The check's resolved value (null when it resolved nothing), or the error's message. */
  output: unknown
  passed: boolean
  timestamp: number
  expires: number
  /** Seconds the check took. */
  response_time: number
  /** False for a check whose failure fails nothing. */
  critical: boolean
  /** The probes the check joins. */
  groups: readonly HealthGroup[]
}

/** The body of GET /healthcheck and its groups. */
export interface HealthReport {
  hostname: string
  status: 'success' | 'failure'
  timestamp: number
  results: HealthCheckResult[]
}
