import type { FastifyInstance, FastifyPluginAsync, onRequestHookHandler, RouteOptions } from 'fastify'
import fp from 'fastify-plugin'
import { describe, expect, it } from 'vitest'
import {
  FBI_SECURITY_PROTECTION_CHANGED,
  fieldInBodyMatchesClaim,
  keyPresent,
  publicRoute,
  scopesPresent,
} from '../src/index.js'
import { bearer, buildApp, internalToken } from './helpers.js'

/*
 * The protection compiled in onRoute cannot be undone by an onRoute hook that runs later (a plugin
 * registered after @fbi/security): replacing the route's hooks or changing its `config.protect`
 * fails startup, naming the route.
 */

const passThrough: onRequestHookHandler = (_request, _reply, done) => done()

/**
 * A plugin (not encapsulated) whose onRoute hook does `change` to every route. The routes go in a
 * plugin registered after it, so both onRoute hooks (ours first) see them.
 */
function tamper(change: (route: RouteOptions) => void): FastifyPluginAsync {
  return fp(async (app) => {
    app.addHook('onRoute', change)
  })
}

async function startupError(routes: (app: FastifyInstance) => void): Promise<Error & { code?: string }> {
  const error = await buildApp({ routes }).then(
    (app) => app.close().then(() => undefined),
    (e: unknown) => e as Error & { code?: string },
  )
  if (error === undefined) throw new TypeError('the app started')
  return error
}

const secret = async () => ({ secret: true })

const CHANGES: { name: string; change: (route: RouteOptions) => void; why: string }[] = [
  {
    name: 'assigns route.onRequest',
    change: (route) => {
      route.onRequest = passThrough
    },
    why: 'its onRequest hooks were replaced',
  },
  {
    name: 'assigns route.onRequest = []',
    change: (route) => {
      route.onRequest = []
    },
    why: 'its onRequest hooks were replaced',
  },
  {
    name: 'filters our hook out of route.onRequest',
    change: (route) => {
      if (Array.isArray(route.onRequest)) route.onRequest = route.onRequest.slice(1)
    },
    why: 'its onRequest hooks were replaced',
  },
  {
    name: 'changes config.protect',
    change: (route) => {
      if (route.config?.protect !== undefined) route.config = { ...route.config, protect: publicRoute }
    },
    why: 'config.protect was changed',
  },
  {
    name: 'replaces the config',
    change: (route) => {
      route.config = { protect: scopesPresent('x') } as typeof route.config
    },
    why: 'its config was replaced',
  },
]

describe('a later onRoute hook cannot undo the protection', () => {
  it.for(CHANGES)('one that $name fails startup', async ({ change, why }) => {
    const error = await startupError((app) => {
      app.register(tamper(change))
      app.register(async (routes) => {
        routes.get('/p', { config: { protect: keyPresent('patient_id') } }, secret)
      })
    })
    expect(error).toBeInstanceOf(FBI_SECURITY_PROTECTION_CHANGED)
    expect(error.message).toContain(`GET /p (${why})`)
  })

  it('one that assigns route.preValidation (the body stage) fails startup', async () => {
    const error = await startupError((app) => {
      app.register(
        tamper((route) => {
          route.preValidation = passThrough
        }),
      )
      app.register(async (routes) => {
        routes.post(
          '/b',
          { config: { protect: fieldInBodyMatchesClaim('patient_id', 'patient_id') } },
          secret,
        )
      })
    })
    expect(error.message).toContain('POST /b (its preValidation hooks were replaced)')
  })

  it('one that gives protect to a route compiled without it fails startup', async () => {
    const error = await startupError((app) => {
      app.register(
        tamper((route) => {
          route.config = { ...route.config, protect: keyPresent('x') }
        }),
      )
      app.register(async (routes) => {
        routes.get('/open', secret)
      })
    })
    expect(error.message).toContain('GET /open (config.protect was added)')
  })

  it('hooks appended or prepended (not replaced) keep the route protected', async (ctx) => {
    const app = await buildApp({
      routes: (a) => {
        a.register(
          tamper((route) => {
            const own =
              route.onRequest === undefined ? [] : ([] as onRequestHookHandler[]).concat(route.onRequest)
            route.onRequest = [passThrough, ...own, passThrough]
          }),
        )
        a.register(async (routes) => {
          routes.get('/p', { config: { protect: keyPresent('patient_id') } }, secret)
        })
      },
    })
    ctx.onTestFinished(() => app.close())
    expect((await app.inject({ url: '/p' })).statusCode).toBe(401)
    const ok = await app.inject({
      url: '/p',
      headers: bearer(internalToken({ metadata: { patient_id: 'p' } })),
    })
    expect(ok.statusCode).toBe(200)
  })
})
