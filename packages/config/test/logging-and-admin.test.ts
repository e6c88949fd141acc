import { describe, expect, it } from 'vitest'
import { LOG_FORMATS, LOG_LEVELS, loadConfig, VARIABLES } from '../src/index.js'
import { catchError, JWT_ENV } from './fixtures.js'

describe('LOG_LEVEL, LOG_FORMAT, ADMIN_PORT and ADMIN_TOKEN (general group)', () => {
  it('defaults to info, no format, no admin port and no admin token', () => {
    const config = loadConfig({ env: { ...JWT_ENV } })
    expect(config.logLevel).toBe('info')
    expect(config.logFormat).toBeUndefined()
    expect(config.adminPort).toBeUndefined()
    expect(config.adminToken).toBeUndefined()
  })

  it('reads them, also without the jwt group', () => {
    const config = loadConfig({
      jwt: false,
      env: { LOG_LEVEL: 'debug', LOG_FORMAT: 'pretty', ADMIN_PORT: '9464', ADMIN_TOKEN: 't'.repeat(40) },
    })
    expect(config).toMatchObject({
      logLevel: 'debug',
      logFormat: 'pretty',
      adminPort: 9464,
      adminToken: 't'.repeat(40),
    })
  })

  it.each(LOG_LEVELS)('accepts the level %s', (level) => {
    expect(loadConfig({ env: { ...JWT_ENV, LOG_LEVEL: level } }).logLevel).toBe(level)
  })

  it('names every bad value at once, and never echoes the admin token', () => {
    const error = catchError(() =>
      loadConfig({
        env: { ...JWT_ENV, LOG_LEVEL: 'verbose', LOG_FORMAT: 'xml', ADMIN_PORT: '99999', ADMIN_TOKEN: '' },
      }),
    )
    expect(error.code).toBe('FBI_CONFIG_INVALID')
    expect(error.message).toContain(
      "LOG_LEVEL 'verbose' is not one of: fatal, error, warn, info, debug, trace, silent (general settings)",
    )
    expect(error.message).toContain("LOG_FORMAT 'xml' is not one of: json, pretty (general settings)")
    expect(error.message).toContain("ADMIN_PORT '99999' is not a port number")
  })

  it('takes levels as pino spells them (lower-case)', () => {
    expect(() => loadConfig({ env: { ...JWT_ENV, LOG_LEVEL: 'DEBUG' } })).toThrow(
      "LOG_LEVEL 'DEBUG' is not one of",
    )
  })

  it('lists them in VARIABLES with their choices, frozen', () => {
    const level = VARIABLES.find((v) => v.name === 'LOG_LEVEL')
    expect(level).toMatchObject({ group: 'general', kind: 'choice', default: 'info', choices: LOG_LEVELS })
    expect(VARIABLES.find((v) => v.name === 'LOG_FORMAT')?.choices).toEqual(LOG_FORMATS)
    expect(Object.isFrozen(LOG_LEVELS)).toBe(true)
    expect(Object.isFrozen(LOG_FORMATS)).toBe(true)
  })
})
