import fbiConfig from '@fbi/config'
import fc from 'fast-check'
import Fastify, { type FastifyInstance, type onRequestHookHandler, type RouteOptions } from 'fastify'
import fp from 'fastify-plugin'
import { describe, expect, it } from 'vitest'
import fbiSecurity, { keyPresent, publicRoute } from '../src/index.js'
import { BASE_ENV, bearer, internalToken } from './helpers.js'

/*
 * Random registration orders and hook shapes: routes before the plugin (same context, earlier
 * sibling) and after it (same context, later child), with their own hooks as undefined, a function
 * or lists, and plugins registered after security whose onRoute hooks add, replace or rewrite. The
 * app either refuses to start with one of our errors, or no protected route answers 200 without a
 * token, except a route registered before the plugin out of its reach, which is then reported
 * (`seen: false`) and refused by requireProtection.
 */

type Placement = 'before-same' | 'before-sibling' | 'after-same' | 'after-child'
type Shape = 'none' | 'fn' | 'list1' | 'list2'
type Tamper =
  | 'append'
  | 'prepend'
  | 'assign-onRequest'
  | 'assign-preValidation'
  | 'change-protect'
  | 'replace-config'

interface RouteSpec {
  placement: Placement
  protect: 'none' | 'key' | 'public'
  onRequest: Shape
  preValidation: Shape
}

const OUR_ERRORS = [
  'FBI_SECURITY_UNPROTECTED_ROUTES',
  'FBI_SECURITY_PROTECTION_CHANGED',
  'FBI_SECURITY_ROUTE_TABLE_UNREADABLE',
]

const passThrough: onRequestHookHandler = (_request, _reply, done) => done()

function hooks(shape: Shape): onRequestHookHandler | onRequestHookHandler[] | undefined {
  return { none: undefined, fn: passThrough, list1: [passThrough], list2: [passThrough, passThrough] }[shape]
}

function tamperPlugin(mode: Tamper) {
  return fp(async (app) => {
    app.addHook('onRoute', (route: RouteOptions) => {
      const own = route.onRequest === undefined ? [] : ([] as onRequestHookHandler[]).concat(route.onRequest)
      if (mode === 'append') route.onRequest = [...own, passThrough]
      if (mode === 'prepend') route.onRequest = [passThrough, ...own]
      if (mode === 'assign-onRequest') route.onRequest = passThrough
      if (mode === 'assign-preValidation') route.preValidation = passThrough
      if (mode === 'change-protect' && route.config?.protect !== undefined) {
        route.config = { ...route.config, protect: () => true }
      }
      if (mode === 'replace-config') route.config = {} as typeof route.config
    })
  })
}

interface Scenario {
  routes: RouteSpec[]
  tampers: Tamper[]
  requireProtection: boolean
}

const routeSpec: fc.Arbitrary<RouteSpec> = fc.record({
  placement: fc.constantFrom<Placement>('before-same', 'before-sibling', 'after-same', 'after-child'),
  protect: fc.constantFrom<RouteSpec['protect']>('none', 'key', 'public'),
  onRequest: fc.constantFrom<Shape>('none', 'fn', 'list1', 'list2'),
  preValidation: fc.constantFrom<Shape>('none', 'fn', 'list1', 'list2'),
})

const scenario = fc.record({
  routes: fc.array(routeSpec, { minLength: 1, maxLength: 5 }),
  tampers: fc.array(
    fc.constantFrom<Tamper>(
      'append',
      'prepend',
      'assign-onRequest',
      'assign-preValidation',
      'change-protect',
      'replace-config',
    ),
    { maxLength: 2 },
  ),
  requireProtection: fc.boolean(),
})

function addRoute(app: FastifyInstance, spec: RouteSpec, i: number): void {
  const protect = { none: undefined, key: keyPresent('patient_id'), public: publicRoute }[spec.protect]
  app.route({
    method: 'GET',
    url: `/r${i}`,
    ...(protect === undefined ? {} : { config: { protect } }),
    ...(spec.onRequest === 'none' ? {} : { onRequest: hooks(spec.onRequest) }),
    ...(spec.preValidation === 'none' ? {} : { preValidation: hooks(spec.preValidation) }),
    handler: async () => ({ secret: i }),
  })
}

async function build(s: Scenario): Promise<FastifyInstance> {
  const app = Fastify()
  await app.register(fbiConfig, { env: BASE_ENV })
  s.routes.forEach((spec, i) => {
    if (spec.placement === 'before-same') addRoute(app, spec, i)
    if (spec.placement === 'before-sibling') app.register(async (sibling) => addRoute(sibling, spec, i))
  })
  app.register(fbiSecurity, { requireProtection: s.requireProtection, publicRoutes: [] })
  app.register(async (afterSecurity) => {
    s.routes.forEach((spec, i) => {
      if (spec.placement === 'after-same') addRoute(afterSecurity, spec, i)
    })
  })
  for (const mode of s.tampers) app.register(tamperPlugin(mode))
  app.register(async (child) => {
    s.routes.forEach((spec, i) => {
      if (spec.placement === 'after-child') addRoute(child, spec, i)
    })
  })
  return app
}

describe('random registration orders and hook shapes', () => {
  it('either refuse to start with our error, or never serve a protected route without a token', async () => {
    const token = bearer(internalToken({ metadata: { patient_id: 'p' } }))
    const outcomes = { started: 0, refused: 0, outOfReachServed: 0 }
    await fc.assert(
      fc.asyncProperty(scenario, async (s: Scenario) => {
        const app = await build(s)
        try {
          const started = await app.ready().then(
            () => undefined,
            (e: unknown) => e as { code?: string },
          )
          if (started !== undefined) {
            expect(OUR_ERRORS).toContain(started.code)
            outcomes.refused++
            return
          }
          outcomes.started++
          const report = app.protectionReport()
          for (const [i, spec] of s.routes.entries()) {
            const line = report.find((e) => e.method === 'GET' && e.url === `/r${i}`)
            expect(line).toBeDefined()
            const anonymous = await app.inject({ url: `/r${i}` })
            const outOfReach = line?.seen === false
            if (spec.protect === 'key' && outOfReach) outcomes.outOfReachServed++
            if (spec.protect === 'key' && !(outOfReach && spec.placement === 'before-sibling')) {
              expect(anonymous.statusCode).not.toBe(200)
              expect([401, 500]).toContain(anonymous.statusCode)
            }
            if (s.requireProtection) {
              // Started under requireProtection: every route is protected or deliberately public.
              expect(spec.protect).not.toBe('none')
              expect(outOfReach).toBe(false)
            }
            if (spec.protect === 'key' && !outOfReach) {
              const res = await app.inject({ url: `/r${i}`, headers: token })
              expect(res.statusCode).toBe(spec.placement === 'before-same' ? 500 : 200)
            }
          }
        } finally {
          await app.close()
        }
      }),
      { numRuns: 150 },
    )
    // Both outcomes were explored, not only startup refusals.
    expect(outcomes.started).toBeGreaterThan(10)
    expect(outcomes.refused).toBeGreaterThan(10)
  }, 120_000)
})
