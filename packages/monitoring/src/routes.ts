import type { FastifyPluginAsync, RouteShorthandOptions } from 'fastify'
import { debugSchema, echoHeaders } from './debug-route.js'
import { asError } from './errors.js'
import type { HealthChecks } from './health.js'
import type { VersionInfo } from './version.js'

export interface MonitoringRoutesOptions {
  health: HealthChecks
  version: VersionInfo
  metrics: (() => Promise<{ contentType: string; body: string }>) | undefined
  debugRoute: boolean
  /** 'flask': /version and /healthcheck in the original's shape (no `version`, no `response_time`). */
  compat: 'flask' | null
}

// The Python `healthcheck` library's result, plus `response_time` unless compat: 'flask'. The
// response is serialized through these schemas, so a property left out here is left out of the body.
function healthSchema(compat: 'flask' | null) {
  const result = {
    type: 'object',
    required: ['checker', 'output', 'passed', 'timestamp', 'expires'],
    properties: {
      checker: { type: 'string', example: 'database' },
      output: { description: 'What the check returned, or the error message when it failed' },
      passed: { type: 'boolean' },
      timestamp: { type: 'number', description: 'Unix time in seconds when the check ran' },
      expires: { type: 'number', description: 'Unix time in seconds until which the result is reused' },
      ...(compat === null && { response_time: { type: 'number', description: 'Seconds the check took' } }),
    },
  }
  return {
    type: 'object',
    required: ['hostname', 'status', 'timestamp', 'results'],
    properties: {
      hostname: { type: 'string' },
      status: { type: 'string', enum: ['success', 'failure'] },
      timestamp: { type: 'number', description: 'Unix time in seconds' },
      results: { type: 'array', items: result },
    },
  }
}

function versionSchema(compat: 'flask' | null) {
  const properties = {
    circle: { type: 'string', example: '1234' },
    hash: { type: 'string', example: '366c204' },
    ...(compat === null && { version: { type: 'string', example: '1.4.0' } }),
  }
  return { type: 'object', required: Object.keys(properties), properties }
}

const monitoring = { monitoringRoute: true } as const
const tags = ['monitoring']

// Probes are not logged per request; this also quiets Fastify's own request lines for them.
const routeDefaults = { config: monitoring, logLevel: 'warn' } satisfies RouteShorthandOptions

/** The monitoring endpoints, in their own encapsulated plugin so nothing here leaks into the app. */
export const monitoringRoutes: FastifyPluginAsync<MonitoringRoutesOptions> = async (fastify, opts) => {
  const { health, version, metrics, debugRoute, compat } = opts
  const reportSchema = healthSchema(compat)

  fastify.get(
    '/running',
    {
      ...routeDefaults,
      schema: {
        summary: 'Verify the service is running',
        description: 'Liveness: answers as long as the process serves HTTP. Touches no dependency.',
        tags,
        response: {
          200: {
            type: 'object',
            required: ['running'],
            properties: { running: { type: 'boolean', example: true } },
          },
        },
      },
    },
    async () => ({ running: true }),
  )

  fastify.get(
    '/healthcheck',
    {
      ...routeDefaults,
      schema: {
        summary: 'Readiness',
        description:
          'Runs every registered health check concurrently, each with a timeout; 500 when any fails or the service is shutting down.',
        tags,
        response: { 200: reportSchema, 500: reportSchema },
      },
    },
    async (_request, reply) => {
      const report = await health.report().catch((error: unknown) => {
        throw asError(error, 'GET /healthcheck')
      })
      reply.code(report.status === 'success' ? 200 : 500)
      if (compat === null) return report
      return { ...report, results: report.results.map(({ response_time, ...result }) => result) }
    },
  )

  fastify.get(
    '/version',
    {
      ...routeDefaults,
      schema: {
        summary: 'Get version information',
        description:
          compat === null
            ? 'The CI build number, the git commit and the service package version.'
            : 'The CI build number and the git commit.',
        tags,
        response: { 200: versionSchema(compat) },
      },
    },
    async () => (compat === null ? version : { circle: version.circle, hash: version.hash }),
  )

  if (metrics !== undefined) {
    fastify.get(
      '/metrics',
      {
        ...routeDefaults,
        schema: {
          summary: 'Prometheus metrics',
          description:
            'Process metrics and request duration and count by method, route pattern and status code.',
          tags,
          response: {
            200: {
              description: 'Prometheus text exposition format',
              content: { 'text/plain': { schema: { type: 'string' } } },
            },
          },
        },
      },
      async (_request, reply) => {
        const { contentType, body } = await metrics().catch((error: unknown) => {
          throw asError(error, "A metric's collect function")
        })
        return reply.type(contentType).send(body)
      },
    )
  }

  if (debugRoute) fastify.get('/debug', { ...routeDefaults, schema: debugSchema }, echoHeaders)
}
