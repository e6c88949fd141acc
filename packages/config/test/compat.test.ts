import Fastify from 'fastify'
import { describe, expect, it } from 'vitest'
import fbiConfig, { loadConfig } from '../src/index.js'
import { JWT_ENV } from './fixtures.js'

describe('compat option', () => {
  it('is null unless asked for', () => {
    expect(loadConfig({ env: { ...JWT_ENV } }).compat).toBeNull()
    expect(loadConfig({ env: { ...JWT_ENV }, compat: false }).compat).toBeNull()
  })

  it("carries 'flask' to app.config for every battery to read", async (ctx) => {
    const app = Fastify()
    ctx.onTestFinished(() => app.close())
    await app.register(fbiConfig, { env: { ...JWT_ENV }, compat: 'flask' })
    expect(app.config.compat).toBe('flask')
  })

  it('refuses an unknown mode, naming the option', () => {
    // @ts-expect-error only 'flask' is a compat mode
    expect(() => loadConfig({ env: { ...JWT_ENV }, compat: 'django' })).toThrow(
      expect.objectContaining({
        code: 'FBI_CONFIG_INVALID_OPTION',
        message: "Invalid @fbi/config option 'compat': must be false or one of: flask",
      }),
    )
  })
})
