import type { FastifyPluginAsync } from 'fastify'
import { debugSchema, echoHeaders } from './debug-route.js'
import { asError } from './errors.js'
import type { HealthChecks } from './health.js'
import { type HealthDetails, healthRoutes } from './health-routes.js'
import { routeDefaults } from './route-defaults.js'
import type { VersionInfo } from './version.js'

export interface MonitoringRoutesOptions {
  health: HealthChecks
  version: VersionInfo
  metrics: (() => Promise<{ contentType: string; body: string }>) | undefined
  debugRoute: boolean
  /** 'flask': /version and /healthcheck in the original's shape (no `version`, no `response_time`). */
  compat: 'flask' | null
  /** Who sees the health checks' results, not only the status. */
  healthDetails: HealthDetails
}

function versionSchema(compat: 'flask' | null) {
  const properties = {
    circle: { type: 'string', example: '1234' },
    hash: { type: 'string', example: '366c204' },
    ...(compat === null && { version: { type: 'string', example: '1.4.0' } }),
  }
  return { type: 'object', required: Object.keys(properties), properties }
}

const tags = ['monitoring']

/** The monitoring endpoints, in their own encapsulated plugin so nothing here leaks into the app. */
export const monitoringRoutes: FastifyPluginAsync<MonitoringRoutesOptions> = async (fastify, opts) => {
  const { health, version, metrics, debugRoute, compat } = opts

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

  await fastify.register(healthRoutes, { health, compat, details: opts.healthDetails })

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
