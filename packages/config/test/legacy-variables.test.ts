import { Writable } from 'node:stream'
import Fastify from 'fastify'
import { describe, expect, it } from 'vitest'
import fbiConfig, { DB_POOL_DEFAULTS, loadConfig } from '../src/index.js'
import { catchError, JWT_ENV } from './fixtures.js'

const DB_ENV = { ...JWT_ENV, DATABASE_URL: 'postgres://db/app' } as const

// environs 9.5 (the original's) reads booleans with marshmallow's Boolean field: these exact
// spellings, in lower, Title and UPPER case; nothing else.
const LEGACY_TRUE = ['yes', 'Yes', 'YES', 'y', 'Y', 'on', 'On', 'ON', 't', 'T']
const LEGACY_FALSE = ['no', 'No', 'NO', 'n', 'N', 'off', 'Off', 'OFF', 'f', 'F']

describe("the original's boolean spellings", () => {
  it.each(LEGACY_TRUE)('reads DEBUG=%s as true, with a warning naming the new spelling', (spelling) => {
    const config = loadConfig({ env: { ...JWT_ENV, DEBUG: spelling } })
    expect(config.debug).toBe(true)
    expect(config.warnings).toEqual([
      {
        variable: 'DEBUG',
        message: `DEBUG='${spelling}' is the original's spelling of a boolean: write DEBUG=true (it will stop being accepted)`,
      },
    ])
  })

  it.each(LEGACY_FALSE)(
    'reads LOG_REQUEST_ID_GENERATE_IF_NOT_FOUND=%s as false, with a warning',
    (spelling) => {
      const config = loadConfig({ env: { ...JWT_ENV, LOG_REQUEST_ID_GENERATE_IF_NOT_FOUND: spelling } })
      expect(config.logRequestIdGenerateIfNotFound).toBe(false)
      expect(config.warnings).toEqual([
        expect.objectContaining({
          variable: 'LOG_REQUEST_ID_GENERATE_IF_NOT_FOUND',
          message: expect.stringContaining('write LOG_REQUEST_ID_GENERATE_IF_NOT_FOUND=false'),
        }),
      ])
    },
  )

  it.each(['true', 'True', 'TRUE', 'tRuE', '1', 'false', 'FALSE', '0'])(
    'takes our own %j without a warning',
    (spelling) => {
      expect(loadConfig({ env: { ...JWT_ENV, DEBUG: spelling } }).warnings).toEqual([])
    },
  )

  it.each(['yEs', 'oN', 'enabled', '', ' yes'])('refuses %j, as environs did', (spelling) => {
    if (spelling === '') {
      // An empty string counts as unset.
      expect(loadConfig({ env: { ...JWT_ENV, DEBUG: spelling } }).debug).toBe(false)
      return
    }
    expect(() => loadConfig({ env: { ...JWT_ENV, DEBUG: spelling } })).toThrow(
      `DEBUG '${spelling}' is not a boolean (use true, false, 1 or 0)`,
    )
  })

  it.each([
    ['ALLOW_DROP_DATA', 'yes'],
    ['ALLOW_DROP_DATA', 'on'],
    ['IGNORE_JWT_VALIDATION', 'Y'],
    ['IGNORE_JWT_VALIDATION', 'T'],
  ])('lets the production guard see %s=%s as true', (variable, spelling) => {
    expect(() => loadConfig({ env: { ...JWT_ENV, [variable]: spelling } })).toThrow(
      `${variable} cannot be true while ENVIRONMENT is PRODUCTION`,
    )
  })

  it('has no warnings without legacy spellings', () => {
    expect(loadConfig({ env: { ...JWT_ENV } }).warnings).toEqual([])
  })
})

describe("the original's SQLALCHEMY_* pool variables", () => {
  it('maps SQLALCHEMY_POOL_SIZE + SQLALCHEMY_MAX_OVERFLOW onto the pool maximum', () => {
    const config = loadConfig({
      env: { ...DB_ENV, SQLALCHEMY_POOL_SIZE: '5', SQLALCHEMY_MAX_OVERFLOW: '3' },
      db: true,
    })
    expect(config.db.poolSize).toBe(8)
    expect(config.warnings.map((w) => w.variable)).toEqual([
      'SQLALCHEMY_POOL_SIZE',
      'SQLALCHEMY_MAX_OVERFLOW',
    ])
    expect(config.warnings[0]?.message).toBe(
      "SQLALCHEMY_POOL_SIZE is the original's variable: set DATABASE_POOL_SIZE=8 instead (SQLALCHEMY_POOL_SIZE + SQLALCHEMY_MAX_OVERFLOW)",
    )
  })

  it("takes the original's default for the half that is not set", () => {
    expect(loadConfig({ env: { ...DB_ENV, SQLALCHEMY_MAX_OVERFLOW: '3' }, db: true }).db.poolSize).toBe(5)
    expect(loadConfig({ env: { ...DB_ENV, SQLALCHEMY_POOL_SIZE: '6' }, db: true }).db.poolSize).toBe(6)
  })

  it('maps SQLALCHEMY_POOL_TIMEOUT (seconds) onto the connect timeout', () => {
    const config = loadConfig({ env: { ...DB_ENV, SQLALCHEMY_POOL_TIMEOUT: '12' }, db: true })
    expect(config.db.connectTimeoutMs).toBe(12_000)
    expect(config.warnings[0]?.message).toBe(
      "SQLALCHEMY_POOL_TIMEOUT is the original's variable: set DATABASE_CONNECT_TIMEOUT_MS=12000 instead",
    )
  })

  it.each([
    ['300', 300],
    ['-1', 0],
    ['0', 0],
  ])('maps SQLALCHEMY_POOL_RECYCLE=%s onto maxLifetimeSeconds %i', (value, seconds) => {
    const config = loadConfig({ env: { ...DB_ENV, SQLALCHEMY_POOL_RECYCLE: value }, db: true })
    expect(config.db.maxLifetimeSeconds).toBe(seconds)
    expect(config.warnings[0]?.message).toBe(
      `SQLALCHEMY_POOL_RECYCLE is the original's variable: set DATABASE_MAX_LIFETIME_SECONDS=${seconds} instead`,
    )
  })

  it('lets our own variable win when both are set, and says the old one is ignored', () => {
    const config = loadConfig({
      env: {
        ...DB_ENV,
        DATABASE_POOL_SIZE: '4',
        SQLALCHEMY_POOL_SIZE: '5',
        DATABASE_MAX_LIFETIME_SECONDS: '60',
        SQLALCHEMY_POOL_RECYCLE: '600',
      },
      db: true,
    })
    expect(config.db.poolSize).toBe(4)
    expect(config.db.maxLifetimeSeconds).toBe(60)
    expect(config.warnings).toEqual([
      {
        variable: 'SQLALCHEMY_POOL_SIZE',
        message: 'SQLALCHEMY_POOL_SIZE is ignored: DATABASE_POOL_SIZE is set (remove SQLALCHEMY_POOL_SIZE)',
      },
      {
        variable: 'SQLALCHEMY_POOL_RECYCLE',
        message:
          'SQLALCHEMY_POOL_RECYCLE is ignored: DATABASE_MAX_LIFETIME_SECONDS is set (remove SQLALCHEMY_POOL_RECYCLE)',
      },
    ])
  })

  it('says which of the original variables have no equivalent', () => {
    const config = loadConfig({ env: { ...DB_ENV, SQLALCHEMY_POOL_PRE_PING: 'true' }, db: true })
    expect(config.warnings).toEqual([
      {
        variable: 'SQLALCHEMY_POOL_PRE_PING',
        message: 'SQLALCHEMY_POOL_PRE_PING has no equivalent in fbi and is ignored',
      },
    ])
  })

  it.each([
    ['SQLALCHEMY_POOL_SIZE', '0', "'0' is below the minimum of 1"],
    ['SQLALCHEMY_MAX_OVERFLOW', '-1', "'-1' is below the minimum of 0"],
    ['SQLALCHEMY_POOL_TIMEOUT', 'soon', "'soon' is not an integer"],
    ['SQLALCHEMY_POOL_RECYCLE', '-2', "'-2' is below the minimum of -1"],
  ])('refuses %s=%s naming it', (variable, value, problem) => {
    const error = catchError(() => loadConfig({ env: { ...DB_ENV, [variable]: value }, db: true }))
    expect(error.message).toContain(`${variable} ${problem} (db: PostgreSQL)`)
  })

  it('leaves them alone when the db group is off', () => {
    const config = loadConfig({
      env: { ...JWT_ENV, SQLALCHEMY_POOL_SIZE: 'x', SQLALCHEMY_POOL_PRE_PING: 'x' },
    })
    expect(config.db).toBeUndefined()
    expect(config.warnings).toEqual([])
  })

  it('has pool defaults read from VARIABLES, exported for @fbi/db', () => {
    expect(DB_POOL_DEFAULTS).toEqual({
      poolSize: 10,
      connectTimeoutMs: 5000,
      idleTimeoutMs: 10_000,
      statementTimeoutMs: 30_000,
      maxLifetimeSeconds: 0,
    })
    expect(Object.isFrozen(DB_POOL_DEFAULTS)).toBe(true)
    const config = loadConfig({ env: { ...DB_ENV }, db: true })
    expect(config.db).toMatchObject(DB_POOL_DEFAULTS)
  })
})

describe('warnings through the plugin', () => {
  function logCapture() {
    const lines: Array<{ level: number; msg: string; variable?: string }> = []
    const stream = new Writable({
      write(chunk, _encoding, done) {
        for (const line of String(chunk).split('\n')) if (line) lines.push(JSON.parse(line))
        done()
      },
    })
    return { lines, logger: { level: 'info', stream } }
  }

  it('logs each warning once at registration, through fastify.log.warn', async (ctx) => {
    const { lines, logger } = logCapture()
    const app = Fastify({ logger })
    ctx.onTestFinished(() => app.close())
    await app.register(fbiConfig, { env: { ...DB_ENV, DEBUG: 'yes', SQLALCHEMY_POOL_SIZE: '3' }, db: true })
    await app.ready()
    await app.inject('/nope')
    const warnings = lines.filter((line) => line.level === 40)
    expect(warnings.map((line) => line.variable)).toEqual(['DEBUG', 'SQLALCHEMY_POOL_SIZE'])
    expect(warnings[0]?.msg).toContain('write DEBUG=true')
  })

  it('logs the warnings of a configuration loaded beforehand too', async (ctx) => {
    const { lines, logger } = logCapture()
    const config = loadConfig({ env: { ...JWT_ENV, DEBUG: 'on' } })
    const app = Fastify({ logger })
    ctx.onTestFinished(() => app.close())
    await app.register(fbiConfig, { config })
    expect(lines.filter((line) => line.level === 40).map((line) => line.variable)).toEqual(['DEBUG'])
  })
})
