import type { FastifyPluginAsync, onRequestHookHandler } from 'fastify'
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
  /** The hook of the admin routes (/version, /metrics, /debug). */
  adminGuard: onRequestHookHandler
  /** Each route added here, as @fbi/security's protection report reads it (`app.monitoringRoutes()`). */
  announce: (route: MonitoringRoute) => void
}

/** A route @fbi/monitoring added: an admin route (behind `app.adminGuard`) or a probe (open to the orchestrator). */
export interface MonitoringRoute {
  readonly method: string
  readonly url: string
  readonly admin: boolean
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

/**
 * The monitoring endpoints, in their own encapsulated plugin so nothing here leaks into the app:
 * the probes, open to the orchestrator, and the admin routes behind the admin guard.
 */
export const monitoringRoutes: FastifyPluginAsync<MonitoringRoutesOptions> = async (fastify, opts) => {
  const { health, version, metrics, debugRoute, compat, adminGuard, announce } = opts

  fastify.addHook('onRoute', (route) => {
    const admin = (route.config as { adminRoute?: unknown } | undefined)?.adminRoute === true
    for (const method of Array.isArray(route.method) ? route.method : [route.method]) {
      announce(Object.freeze({ method, url: route.url, admin }))
    }
  })

  // Probes: what the orchestrator asks, open on every port.
  await fastify.register(async (probes) => {
    probes.get(
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
    await probes.register(healthRoutes, { health, compat, details: opts.healthDetails })
  })

  // Admin routes: behind the admin guard (the admin port, the admin token), marked for it.
  await fastify.register(async (admin) => {
    admin.addHook('onRequest', adminGuard)
    const adminDefaults = { ...routeDefaults, config: { ...routeDefaults.config, adminRoute: true } }
    admin.get(
      '/version',
      {
        ...adminDefaults,
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
      admin.get(
        '/metrics',
        {
          ...adminDefaults,
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

    if (debugRoute) admin.get('/debug', { ...adminDefaults, schema: debugSchema }, echoHeaders)
  })
}
