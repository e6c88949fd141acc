import { hostname } from 'node:os'
import {
  describeThrown,
  FBI_MONITORING_DUPLICATE_HEALTH_CHECK,
  FBI_MONITORING_HEALTH_CHECK_TIMEOUT,
  FBI_MONITORING_INVALID_HEALTH_CHECK,
} from './errors.js'
import {
  HEALTH_GROUPS,
  type HealthCheck,
  type HealthCheckOptions,
  type HealthCheckResult,
  type HealthGroup,
  type HealthReport,
} from './health-types.js'
import { isPlainObject } from './option-checks.js'

interface Entry {
  name: string
  check: HealthCheck
  timeoutMs: number
  groups: readonly HealthGroup[]
  critical: boolean
  cached?: HealthCheckResult
  running?: Promise<HealthCheckResult>
}

const DEFAULT_GROUPS: readonly HealthGroup[] = Object.freeze(['readiness'])

function groupsOption(name: string, groups: unknown): readonly HealthGroup[] {
  if (groups === undefined) return DEFAULT_GROUPS
  if (
    !Array.isArray(groups) ||
    groups.length === 0 ||
    !groups.every((group) => HEALTH_GROUPS.includes(group as HealthGroup))
  ) {
    throw new FBI_MONITORING_INVALID_HEALTH_CHECK(
      name,
      `groups must be a non-empty list of ${HEALTH_GROUPS.join(', ')}`,
    )
  }
  return Object.freeze(HEALTH_GROUPS.filter((group) => groups.includes(group)))
}

export interface HealthCheckRegistryOptions {
  defaultTimeoutMs: number
  successTtlMs: number
  failureTtlMs: number
  onFailure: (result: HealthCheckResult) => void
}

const HOSTNAME = hostname()

function seconds(ms: number): number {
  return ms / 1000
}

// The report is sent as JSON: an output that cannot be (a BigInt, a cycle) is described instead.
function jsonSafe(value: unknown): unknown {
  try {
    JSON.stringify(value)
    return value
  } catch (error) {
    return `[not JSON: ${describeThrown(error)}]`
  }
}

/** Holds the registered checks and runs them concurrently, each with a timeout and a cached result. */
export class HealthChecks {
  readonly #entries: Entry[] = []
  readonly #opts: HealthCheckRegistryOptions
  #shuttingDown = false

  constructor(opts: HealthCheckRegistryOptions) {
    this.#opts = opts
  }

  add(name: string, check: HealthCheck, opts: HealthCheckOptions = {}): void {
    if (!isPlainObject(opts as unknown)) {
      throw new FBI_MONITORING_INVALID_HEALTH_CHECK(String(name), 'the options must be an object')
    }
    if (typeof name !== 'string' || name.length === 0) {
      throw new FBI_MONITORING_INVALID_HEALTH_CHECK(String(name), 'the name must be a non-empty string')
    }
    if (typeof check !== 'function') {
      throw new FBI_MONITORING_INVALID_HEALTH_CHECK(name, 'the check must be a function')
    }
    const timeoutMs = opts.timeoutMs ?? this.#opts.defaultTimeoutMs
    if (!Number.isInteger(timeoutMs) || timeoutMs < 1) {
      throw new FBI_MONITORING_INVALID_HEALTH_CHECK(name, 'timeoutMs must be a positive integer')
    }
    const groups = groupsOption(name, opts.groups)
    const critical = opts.critical ?? true
    if (typeof critical !== 'boolean') {
      throw new FBI_MONITORING_INVALID_HEALTH_CHECK(name, 'critical must be a boolean')
    }
    if (this.#entries.some((entry) => entry.name === name))
      throw new FBI_MONITORING_DUPLICATE_HEALTH_CHECK(name)
    this.#entries.push({ name, check, timeoutMs, groups, critical })
  }

  /** From now on readiness fails at once, whatever the checks say (graceful shutdown). */
  markShuttingDown(): void {
    this.#shuttingDown = true
  }

  get shuttingDown(): boolean {
    return this.#shuttingDown
  }

  /**
   * Runs the checks of `group` (every check without one) and reports them: a failure when a critical
   * one failed. While shutting down, readiness (and the whole report) fails at once; liveness and
   * startup do not, so the orchestrator does not kill a process that is closing on purpose.
   */
  async report(group?: HealthGroup): Promise<HealthReport> {
    const now = Date.now()
    if (this.#shuttingDown && (group === undefined || group === 'readiness')) {
      const result: HealthCheckResult = {
        checker: 'shutdown',
        output: 'Service is shutting down',
        passed: false,
        timestamp: seconds(now),
        expires: seconds(now),
        response_time: 0,
        critical: true,
        groups: DEFAULT_GROUPS,
      }
      return { hostname: HOSTNAME, status: 'failure', timestamp: seconds(now), results: [result] }
    }
    const entries =
      group === undefined ? this.#entries : this.#entries.filter((e) => e.groups.includes(group))
    const results = await Promise.all(entries.map((entry) => this.#resultOf(entry, now)))
    return {
      hostname: HOSTNAME,
      status: results.every((result) => result.passed || !result.critical) ? 'success' : 'failure',
      timestamp: seconds(Date.now()),
      results,
    }
  }

  #resultOf(entry: Entry, now: number): Promise<HealthCheckResult> {
    if (entry.cached !== undefined && entry.cached.expires * 1000 > now) return Promise.resolve(entry.cached)
    // A probe storm shares the run that is already under way instead of starting more.
    if (entry.running !== undefined) return entry.running
    const running = this.#run(entry)
      .then((result) => {
        entry.cached = result
        return result
      })
      .finally(() => {
        // Also after a failure of the run itself, so one bad run cannot answer every later probe.
        entry.running = undefined
      })
    entry.running = running
    return running
  }

  async #run(entry: Entry): Promise<HealthCheckResult> {
    const started = performance.now()
    let passed: boolean
    let output: unknown
    let timer: NodeJS.Timeout | undefined
    try {
      const timedOut = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new FBI_MONITORING_HEALTH_CHECK_TIMEOUT(entry.timeoutMs)),
          entry.timeoutMs,
        )
      })
      // The check may throw synchronously; the async wrapper turns that into a rejection.
      const value = await Promise.race([(async () => entry.check())(), timedOut])
      // Returning false or an Error is a failure said without throwing, not a pass.
      passed = value !== false && !(value instanceof Error)
      output = value === undefined ? null : value instanceof Error ? value.message : jsonSafe(value)
    } catch (error) {
      passed = false
      output = describeThrown(error)
    } finally {
      clearTimeout(timer)
    }
    const elapsedMs = performance.now() - started
    const timestamp = Date.now()
    const result: HealthCheckResult = {
      checker: entry.name,
      output,
      passed,
      timestamp: seconds(timestamp),
      expires: seconds(timestamp + (passed ? this.#opts.successTtlMs : this.#opts.failureTtlMs)),
      response_time: Math.round(elapsedMs * 1000) / 1_000_000,
      critical: entry.critical,
      groups: entry.groups,
    }
    if (!passed) {
      try {
        this.#opts.onFailure(result)
      } catch {
        // The failure is in the report already; a logger that throws must not lose it.
      }
    }
    return result
  }
}
