import { describe, expect, it } from 'vitest'
import { FBI_CONFIG_INVALID, isNonProduction, isProduction, loadConfig } from '../src/index.js'
import { catchError, JWT_ENV } from './fixtures.js'

describe('production guards', () => {
  it('refuses ALLOW_DROP_DATA in production and says why', () => {
    const error = catchError(() => loadConfig({ env: { ...JWT_ENV, ALLOW_DROP_DATA: 'true' } }))
    expect(error).toBeInstanceOf(FBI_CONFIG_INVALID)
    expect(error.code).toBe('FBI_CONFIG_INVALID')
    expect(error.message).toBe(
      'Invalid configuration:\n  - ALLOW_DROP_DATA cannot be true while ENVIRONMENT is PRODUCTION (a production environment): it would allow wiping the database (production guard)',
    )
  })

  it('refuses IGNORE_JWT_VALIDATION in production', () => {
    expect(() => loadConfig({ env: { ...JWT_ENV, IGNORE_JWT_VALIDATION: '1' } })).toThrow(
      'IGNORE_JWT_VALIDATION cannot be true while ENVIRONMENT is PRODUCTION',
    )
  })

  it('treats an unknown environment as production', () => {
    expect(() =>
      loadConfig({ env: { ...JWT_ENV, ENVIRONMENT: 'development', ALLOW_DROP_DATA: 'true' } }),
    ).toThrow('ALLOW_DROP_DATA cannot be true while ENVIRONMENT is development')
  })

  it.each(['DEMO', 'DEVELOPMENT', 'STAGING', 'TRAINING', 'TEST'])(
    'allows both switches in %s',
    (environment) => {
      const config = loadConfig({
        env: { ...JWT_ENV, ENVIRONMENT: environment, ALLOW_DROP_DATA: 'true', IGNORE_JWT_VALIDATION: 'true' },
      })
      expect(config.allowDropData).toBe(true)
      expect(config.jwt.ignoreJwtValidation).toBe(true)
    },
  )

  it('requires a database in production when the db group is on', () => {
    expect(() => loadConfig({ env: { ...JWT_ENV }, db: true })).toThrow(
      'DATABASE_URL or DATABASE_HOST is required in production',
    )
  })

  it('reports guards together with every other problem, all at once', () => {
    const error = catchError(() =>
      loadConfig({ env: { ALLOW_DROP_DATA: 'true', IGNORE_JWT_VALIDATION: 'true', PORT: 'x' }, db: true }),
    )
    expect(error.problems).toEqual([
      { variable: 'HS_KEY', problem: 'is missing', neededBy: 'jwt: internal JWT issuer and system tokens' },
      {
        variable: 'PROXY_URL',
        problem: 'is missing',
        neededBy: 'jwt: internal JWT issuer and system tokens',
      },
      { variable: 'PORT', problem: "'x' is not a port number (0 to 65535)", neededBy: 'general settings' },
      expect.objectContaining({ variable: 'ALLOW_DROP_DATA', neededBy: 'production guard' }),
      expect.objectContaining({ variable: 'IGNORE_JWT_VALIDATION', neededBy: 'production guard' }),
      expect.objectContaining({ variable: 'DATABASE_URL', neededBy: 'db: PostgreSQL' }),
    ])
  })
})

describe('isProduction', () => {
  it.each([
    ['PRODUCTION', true],
    ['DEMO', false],
    ['DEVELOPMENT', false],
    ['STAGING', false],
    ['TRAINING', false],
    ['TEST', false],
    ['test', true],
    ['', true],
    ['PROD', true],
  ])('%j is production: %s', (environment, expected) => {
    expect(isProduction(environment)).toBe(expected)
    expect(isNonProduction(environment)).toBe(!expected)
  })

  it('reads ENVIRONMENT from process.env when called without an argument', () => {
    const saved = process.env.ENVIRONMENT
    try {
      process.env.ENVIRONMENT = 'TEST'
      expect(isProduction()).toBe(false)
      delete process.env.ENVIRONMENT
      expect(isProduction()).toBe(true)
    } finally {
      if (saved === undefined) delete process.env.ENVIRONMENT
      else process.env.ENVIRONMENT = saved
    }
  })
})
