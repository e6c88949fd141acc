import type { FastifyInstance } from 'fastify'
import { describe, expectTypeOf, it } from 'vitest'
import {
  type Auth0Config,
  type ConfigWarning,
  DB_POOL_DEFAULTS,
  type FbiConfig,
  type JwtConfig,
  type LogFormat,
  type LogLevel,
  loadConfig,
  type TracesSampler,
  type TracingConfig,
} from '../src/index.js'
import { AUTH0_ENV, JWT_ENV } from './fixtures.js'

describe('public types', () => {
  it('types app.config through declaration merging', () => {
    expectTypeOf<FastifyInstance['config']>().toEqualTypeOf<FbiConfig>()
    expectTypeOf<FbiConfig['port']>().toEqualTypeOf<number>()
    expectTypeOf<FbiConfig['jwt']>().toEqualTypeOf<JwtConfig | undefined>()
  })

  it('knows a group turned on is present', () => {
    const config = loadConfig({ env: { ...JWT_ENV, ...AUTH0_ENV }, auth0: true })
    expectTypeOf(config.jwt).toEqualTypeOf<JwtConfig>()
    expectTypeOf(config.auth0).toEqualTypeOf<Auth0Config>()
    const withoutJwt = loadConfig({ env: {}, jwt: false })
    expectTypeOf(withoutJwt.jwt).toEqualTypeOf<JwtConfig | undefined>()
    // The tracing group is on by default, like jwt.
    expectTypeOf(config.tracing).toEqualTypeOf<TracingConfig>()
    expectTypeOf(config.tracing.sampler).toEqualTypeOf<TracesSampler>()
    expectTypeOf(loadConfig({ env: {}, tracing: false }).tracing).toEqualTypeOf<TracingConfig | undefined>()
  })

  it('types the warnings and the pool defaults as read-only', () => {
    expectTypeOf<FbiConfig['warnings']>().toEqualTypeOf<readonly ConfigWarning[]>()
    expectTypeOf(DB_POOL_DEFAULTS.maxLifetimeSeconds).toEqualTypeOf<number>()
    // @ts-expect-error the defaults are frozen
    DB_POOL_DEFAULTS.poolSize = 3
  })

  it('types LOG_LEVEL and LOG_FORMAT as their choices', () => {
    expectTypeOf<FbiConfig['logLevel']>().toEqualTypeOf<LogLevel>()
    expectTypeOf<FbiConfig['logFormat']>().toEqualTypeOf<LogFormat | undefined>()
    expectTypeOf<LogLevel>().toEqualTypeOf<
      'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent'
    >()
    expectTypeOf<FbiConfig['adminPort']>().toEqualTypeOf<number | undefined>()
  })

  it('refuses options of the wrong type at compile time', () => {
    // @ts-expect-error db is a boolean switch
    expectTypeOf(loadConfig).toBeCallableWith({ db: 'yes' })
    // @ts-expect-error env values are strings
    expectTypeOf(loadConfig).toBeCallableWith({ env: { PORT: 5000 } })
  })
})
