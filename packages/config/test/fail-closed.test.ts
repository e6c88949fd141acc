import Fastify, { type FastifyBaseLogger } from 'fastify'
import { describe, expect, it } from 'vitest'
import fbiConfig from '../src/index.js'
import { JWT_ENV } from './fixtures.js'

// avvio reads a plugin rejecting with a falsy value as loaded: whatever an option getter or the
// service's logger throws, ready() must reject with a coded error, never start without app.config.
const THROWN: ReadonlyArray<readonly [string, () => unknown]> = [
  ['undefined', () => undefined],
  ['null', () => null],
  ['0', () => 0],
  ["''", () => ''],
  ['false', () => false],
  [
    'an object whose toString throws undefined',
    () => ({
      toString() {
        throw undefined
      },
    }),
  ],
]

/** A silent logger whose warn throws `value`. */
function throwingWarnLogger(value: () => unknown): FastifyBaseLogger {
  const noop = () => {}
  const logger = {
    level: 'info',
    info: noop,
    error: noop,
    debug: noop,
    fatal: noop,
    trace: noop,
    silent: noop,
    warn: () => {
      throw value()
    },
    child: () => logger,
  }
  return logger as unknown as FastifyBaseLogger
}

describe('registration fails closed', () => {
  it.for(THROWN)('an env getter throwing %s rejects ready() with a coded error', async ([, value], ctx) => {
    const app = Fastify()
    ctx.onTestFinished(() => app.close())
    app.register(fbiConfig, {
      get env(): Record<string, string> {
        throw value()
      },
    })
    await expect(app.ready()).rejects.toMatchObject({
      code: 'FBI_CONFIG_NON_ERROR_THROWN',
      statusCode: 500,
      message:
        'Registering @fbi/config (an option getter or a custom logger) threw a value that is not an Error',
    })
    expect(app.hasDecorator('config')).toBe(false)
  })

  it.for(THROWN)(
    'a logger throwing %s for a configuration warning rejects ready(), not a start without the warning',
    async ([, value], ctx) => {
      const app = Fastify({ loggerInstance: throwingWarnLogger(value) })
      ctx.onTestFinished(() => app.close())
      // The original's spelling of a boolean: accepted with a warning.
      app.register(fbiConfig, { env: { ...JWT_ENV, DEBUG: 'yes' } })
      await expect(app.ready()).rejects.toMatchObject({ code: 'FBI_CONFIG_NON_ERROR_THROWN' })
    },
  )

  it('passes an Error on as it is', async (ctx) => {
    const app = Fastify()
    ctx.onTestFinished(() => app.close())
    const error = new RangeError('no environment')
    app.register(fbiConfig, {
      get env(): Record<string, string> {
        throw error
      },
    })
    await expect(app.ready()).rejects.toBe(error)
  })
})
