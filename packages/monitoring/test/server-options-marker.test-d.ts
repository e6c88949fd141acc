import Fastify from 'fastify'
import { expectTypeOf, it } from 'vitest'
import { type MarkedRouterOptions, monitoringServerOptions } from '../src/index.js'

it('the marked routerOptions go into Fastify as they are, and merge with your own', () => {
  const opts = monitoringServerOptions()
  expectTypeOf(opts.routerOptions).toEqualTypeOf<MarkedRouterOptions>()
  expectTypeOf(opts.routerOptions.fbiServerOptions).toEqualTypeOf<true>()
  Fastify(opts)
  Fastify({ ...opts, routerOptions: { ...opts.routerOptions, ignoreTrailingSlash: true } })
  // @ts-expect-error the mark is fbi's, not a switch
  opts.routerOptions.fbiServerOptions = false
})
