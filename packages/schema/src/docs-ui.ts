import type { FastifyInstance, onRequestHookHandler } from 'fastify'

/** A route swagger-ui added, as @fbi/security's protection report reads it (`app.docsRoutes()`). */
export interface DocsRoute {
  readonly method: string
  readonly url: string
  /** Always true: the UI and the document are admin routes, behind @fbi/monitoring's admin guard. */
  readonly admin: true
}

/** @fbi/monitoring's `adminGuard` decorator, read by name: this package does not depend on monitoring. */
interface AdminGuardLike {
  readonly onRequest: onRequestHookHandler
}

/**
 * swagger-ui, as an admin route: marked `adminRoute` in its routes' config (so @fbi/monitoring's
 * admin port serves it), announced as `app.docsRoutes()` (so @fbi/security's protection report
 * lists it truthfully), and behind @fbi/monitoring's admin guard through swagger-ui's own `uiHooks`.
 * The guard is looked up when the app is ready, since @fbi/all registers this plugin first.
 */
export async function registerDocs(fastify: FastifyInstance, routePrefix: string): Promise<void> {
  const routes: DocsRoute[] = []
  fastify.decorate('docsRoutes', (): readonly DocsRoute[] => Object.freeze([...routes]))
  let guard: AdminGuardLike | undefined
  fastify.addHook('onReady', (done) => {
    guard = fastify.hasDecorator('adminGuard')
      ? fastify.getDecorator<AdminGuardLike>('adminGuard')
      : undefined
    done()
  })
  const onRequest: onRequestHookHandler = function fbiDocsGuard(request, reply, done) {
    if (guard === undefined) done()
    else guard.onRequest.call(this, request, reply, done)
  }
  await fastify.register(async (ui) => {
    ui.addHook('onRoute', (route) => {
      route.config = { ...route.config, adminRoute: true } as typeof route.config
      // The UI's root ('/' under routePrefix) is also served at `${routePrefix}/`, a twin Fastify adds
      // without running onRoute for it: announced here, so it is reported as what it is.
      const urls = route.routePath === '' && route.prefix !== '' ? [route.url, `${route.url}/`] : [route.url]
      for (const method of Array.isArray(route.method) ? route.method : [route.method]) {
        for (const url of urls) routes.push(Object.freeze({ method, url, admin: true as const }))
      }
    })
    // Imported only when /docs is served (off in production unless asked for).
    const { default: fastifySwaggerUi } = await import('@fastify/swagger-ui')
    await ui.register(fastifySwaggerUi, { routePrefix, uiHooks: { onRequest } })
  })
}
