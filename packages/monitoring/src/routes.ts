import type { FastifyPluginAsync, RouteShorthandOptions } from 'fastify'
import type { HealthChecks } from './health.js'
import type { VersionInfo } from './version.js'

export interface MonitoringRoutesOptions {
  health: HealthChecks
  version: VersionInfo
  metrics: (() => Promise<{ contentType: string; body: string }>) | undefined
  debugRoute: boolean
}

const resultSchema = {
  type: 'object',
  required: ['checker', 'output', 'passed', 'timestamp', 'expires', 'response_time'],
  properties: {
    checker: { type: 'string', example: 'database' },
    output: { description: 'What the check returned, or the error message when it failed' },
    passed: { type: 'boolean' },
    timestamp: { type: 'number', description: 'Unix time in seconds when the check ran' },
    expires: { type: 'number', description: 'Unix time in seconds until which the result is reused' },
    response_time: { type: 'number', description: 'Seconds the check took' },
  },
} as const

const healthSchema = {
  type: 'object',
  required: ['hostname', 'status', 'timestamp', 'results'],
  properties: {
    hostname: { type: 'string' },
    status: { type: 'string', enum: ['success', 'failure'] },
    timestamp: { type: 'number', description: 'Unix time in seconds' },
    results: { type: 'array', items: resultSchema },
  },
} as const

const monitoring = { monitoringRoute: true } as const
const tags = ['monitoring']

// Probes are not logged per request; this also quiets Fastify's own request lines for them.
const routeDefaults = { config: monitoring, logLevel: 'warn' } satisfies RouteShorthandOptions

/** The monitoring endpoints, in their own encapsulated plugin so nothing here leaks into the app. */
export const monitoringRoutes: FastifyPluginAsync<MonitoringRoutesOptions> = async (fastify, opts) => {
  const { health, version, metrics, debugRoute } = opts

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
        response: { 200: healthSchema, 500: healthSchema },
      },
    },
    async (_request, reply) => {
      const report = await health.report()
      reply.code(report.status === 'success' ? 200 : 500)
      return report
    },
  )

  fastify.get(
    '/version',
    {
      ...routeDefaults,
      schema: {
        summary: 'Get version information',
        description: 'The CI build number, the git commit and the service package version.',
        tags,
        response: {
          200: {
            type: 'object',
            required: ['circle', 'hash', 'version'],
            properties: {
              circle: { type: 'string', example: '1234' },
              hash: { type: 'string', example: '366c204' },
              version: { type: 'string', example: '1.4.0' },
            },
          },
        },
      },
    },
    async () => version,
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
        const { contentType, body } = await metrics()
        return reply.type(contentType).send(body)
      },
    )
  }

  if (debugRoute) {
    fastify.get(
      '/debug',
      {
        ...routeDefaults,
        schema: {
          summary: 'Echo the request headers',
          description: 'Non-production only. Authorization and cookie values are redacted.',
          tags,
          response: {
            200: { type: 'object', additionalProperties: { type: 'string' } },
          },
        },
      },
      async (request) => {
        // rawHeaders keeps the caller's spelling ("X-Something"), as the seed's echo did.
        const raw = request.raw.rawHeaders
        const echoed: Record<string, string> = {}
        for (let i = 0; i + 1 < raw.length; i += 2) {
          const name = raw[i] as string
          const lower = name.toLowerCase()
          const value =
            lower === 'authorization' || lower === 'proxy-authorization' || lower === 'cookie'
              ? '[REDACTED]'
              : (raw[i + 1] as string)
          echoed[name] = echoed[name] === undefined ? value : `${echoed[name]}, ${value}`
        }
        return echoed
      },
    )
  }
}
