import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import { asError } from './errors.js'
import type { HealthChecks } from './health.js'
import { HEALTH_GROUPS, type HealthGroup, type HealthReport } from './health-types.js'
import { routeDefaults } from './route-defaults.js'

/** Whether this caller sees the checks' results, or only the status. */
export type HealthDetails = (request: FastifyRequest) => boolean

export interface HealthRoutesOptions {
  health: HealthChecks
  /** 'flask': results in the Python `healthcheck` library's shape only. */
  compat: 'flask' | null
  details: HealthDetails
}

/** Each group's probe path: what a Kubernetes manifest names (README: Health groups). */
export const HEALTH_GROUP_PATHS: Readonly<Record<HealthGroup, string>> = Object.freeze({
  liveness: '/healthcheck/live',
  readiness: '/healthcheck/ready',
  startup: '/healthcheck/startup',
})

// The Python `healthcheck` library's result, plus `response_time`, `critical` and `groups` unless
// compat: 'flask'. The response is serialized through these schemas, so a property left out here is
// left out of the body; only `status` is always there (a caller not shown the details gets it alone).
function reportSchema(compat: 'flask' | null) {
  const result = {
    type: 'object',
    required: ['checker', 'output', 'passed', 'timestamp', 'expires'],
    properties: {
      checker: { type: 'string', example: 'database' },
      output: { description: 'What the check returned, or the error message when it failed' },
      passed: { type: 'boolean' },
      timestamp: { type: 'number', description: 'Unix time in seconds when the check ran' },
      expires: { type: 'number', description: 'Unix time in seconds until which the result is reused' },
      ...(compat === null && {
        response_time: { type: 'number', description: 'Seconds the check took' },
        critical: { type: 'boolean', description: 'False: a failure is reported but fails nothing' },
        groups: { type: 'array', items: { type: 'string', enum: [...HEALTH_GROUPS] } },
      }),
    },
  }
  return {
    type: 'object',
    required: ['status'],
    properties: {
      hostname: { type: 'string' },
      status: { type: 'string', enum: ['success', 'failure'] },
      timestamp: { type: 'number', description: 'Unix time in seconds' },
      results: { type: 'array', items: result },
    },
  }
}

const tags = ['monitoring']

/**
 * GET /healthcheck (every check, the seed's answer: 200 or 500) and one probe per group (200 or
 * 503). The full report for a caller allowed to see it, `{ status }` for any other.
 */
export const healthRoutes: FastifyPluginAsync<HealthRoutesOptions> = async (fastify, opts) => {
  const { health, compat, details } = opts
  const schema = reportSchema(compat)

  function answer(group: HealthGroup | undefined, failure: number) {
    const where = group === undefined ? 'GET /healthcheck' : `GET ${HEALTH_GROUP_PATHS[group]}`
    return async (request: FastifyRequest, reply: FastifyReply) => {
      const report: HealthReport = await health.report(group).catch((error: unknown) => {
        throw asError(error, where)
      })
      reply.code(report.status === 'success' ? 200 : failure)
      if (!details(request)) return { status: report.status }
      if (compat === null) return report
      return {
        ...report,
        results: report.results.map(({ response_time, critical, groups, ...result }) => result),
      }
    }
  }

  fastify.get(
    '/healthcheck',
    {
      ...routeDefaults,
      schema: {
        summary: 'Every health check',
        description:
          'Runs every registered health check concurrently, each with a timeout; 500 when a critical one fails or the service is shutting down.',
        tags,
        response: { 200: schema, 500: schema },
      },
    },
    answer(undefined, 500),
  )

  const descriptions: Record<HealthGroup, string> = {
    liveness: 'Liveness: the checks of the liveness group (none by default). Not failed by a shutdown.',
    readiness:
      'Readiness: the checks of the readiness group (the default group); 503 when a critical one fails or the service is shutting down.',
    startup: 'Startup: the checks of the startup group (pending migrations); 503 until they pass.',
  }
  for (const group of HEALTH_GROUPS) {
    fastify.get(
      HEALTH_GROUP_PATHS[group],
      {
        ...routeDefaults,
        schema: {
          summary: `${group[0]?.toUpperCase()}${group.slice(1)} probe`,
          description: descriptions[group],
          tags,
          response: { 200: schema, 503: schema },
        },
      },
      answer(group, 503),
    )
  }
}
