import { describe, expect, it } from 'vitest'
import { loadConfig } from '../src/index.js'
import { JWT_ENV } from './fixtures.js'

describe('general group', () => {
  it('applies the seed defaults', () => {
    const config = loadConfig({ env: { ...JWT_ENV } })
    expect(config).toMatchObject({
      environment: 'PRODUCTION',
      isProduction: true,
      allowDropData: false,
      debug: false,
      listenAddress: '0.0.0.0',
      port: 5000,
      logRequestIdGenerateIfNotFound: true,
      preferredUrlScheme: 'http',
    })
    expect(config.buildNumber).toBeUndefined()
    expect(config.db).toBeUndefined()
    expect(config.auth0).toBeUndefined()
  })

  it('reads every general variable', () => {
    const config = loadConfig({
      env: {
        ...JWT_ENV,
        ENVIRONMENT: 'STAGING',
        ALLOW_DROP_DATA: 'TRUE',
        DEBUG: '1',
        LISTEN_ADDRESS: '127.0.0.1',
        PORT: '8080',
        LOG_REQUEST_ID_GENERATE_IF_NOT_FOUND: 'False',
        PREFERRED_URL_SCHEME: 'https',
        BUILD_NUMBER: '1234',
        GIT_HASH: '366c204',
      },
    })
    expect(config).toMatchObject({
      environment: 'STAGING',
      isProduction: false,
      allowDropData: true,
      debug: true,
      listenAddress: '127.0.0.1',
      port: 8080,
      logRequestIdGenerateIfNotFound: false,
      preferredUrlScheme: 'https',
      buildNumber: '1234',
      gitHash: '366c204',
    })
  })

  it.each([
    ['true', true],
    ['TRUE', true],
    ['1', true],
    ['false', false],
    ['FaLsE', false],
    ['0', false],
  ])('accepts the boolean spelling %s', (value, expected) => {
    expect(loadConfig({ env: { ...JWT_ENV, DEBUG: value } }).debug).toBe(expected)
  })

  // yes/no/on/off/y/n/t/f are the original's spellings: accepted with a warning (legacy-variables.test.ts).
  it.each(['yEs', 'nO', 'oN', '2', ' true'])('rejects the boolean spelling %j', (value) => {
    expect(() => loadConfig({ env: { ...JWT_ENV, DEBUG: value } })).toThrow(
      `DEBUG '${value}' is not a boolean (use true, false, 1 or 0) (general settings)`,
    )
  })

  it('treats empty strings as unset, so defaults still apply', () => {
    const config = loadConfig({ env: { ...JWT_ENV, PORT: '', DEBUG: '' } })
    expect(config.port).toBe(5000)
    expect(config.debug).toBe(false)
  })

  it('rejects ports that are not numbers or out of range', () => {
    expect(() => loadConfig({ env: { ...JWT_ENV, PORT: '50x' } })).toThrow("PORT '50x' is not a port number")
    expect(() => loadConfig({ env: { ...JWT_ENV, PORT: '70000' } })).toThrow(
      "PORT '70000' is not a port number",
    )
  })

  it('rejects a URL scheme other than http or https', () => {
    expect(() => loadConfig({ env: { ...JWT_ENV, PREFERRED_URL_SCHEME: 'ftp' } })).toThrow(
      "PREFERRED_URL_SCHEME 'ftp' is not http or https",
    )
  })

  it('returns a deeply frozen object', () => {
    const config = loadConfig({ env: { ...JWT_ENV } })
    expect(Object.isFrozen(config)).toBe(true)
    expect(Object.isFrozen(config.jwt)).toBe(true)
    expect(() => {
      ;(config as { port: number }).port = 1
    }).toThrow(TypeError)
  })

  it('reads process.env when no env is given', () => {
    const saved = { ...process.env }
    try {
      process.env.HS_KEY = 'from-process'
      process.env.PROXY_URL = 'http://proxy'
      expect(loadConfig().jwt.hsKey).toBe('from-process')
    } finally {
      process.env = saved
    }
  })
})
