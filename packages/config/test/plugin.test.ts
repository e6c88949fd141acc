import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Fastify from 'fastify'
import fp from 'fastify-plugin'
import { describe, expect, it } from 'vitest'
import fbiConfig, { loadConfig } from '../src/index.js'
import { JWT_ENV } from './fixtures.js'

describe('the @fbi/config plugin', () => {
  it('decorates app.config with the checked configuration', async (ctx) => {
    const app = Fastify()
    ctx.onTestFinished(() => app.close())
    await app.register(fbiConfig, { env: { ...JWT_ENV, ENVIRONMENT: 'TEST', PORT: '8000' } })
    await app.ready()
    expect(app.config.port).toBe(8000)
    expect(app.config.isProduction).toBe(false)
    expect(app.config.jwt?.internalIssuer).toBe('http://localhost/')
  })

  it('fails ready() with every problem when variables are missing', async (ctx) => {
    const app = Fastify()
    ctx.onTestFinished(() => app.close())
    app.register(fbiConfig, { env: {}, auth0: true })
    await expect(app.ready()).rejects.toMatchObject({
      code: 'FBI_CONFIG_INVALID',
      message: expect.stringMatching(
        /HS_KEY is missing[\s\S]*PROXY_URL is missing[\s\S]*AUTH0_AUDIENCE is missing/,
      ),
    })
  })

  it('rejects options of the wrong type', async (ctx) => {
    const app = Fastify()
    ctx.onTestFinished(() => app.close())
    app.register(fbiConfig, { env: { ...JWT_ENV }, db: 'yes' as unknown as boolean })
    await expect(app.ready()).rejects.toMatchObject({
      code: 'FBI_CONFIG_INVALID_OPTION',
      message: "Invalid @fbi/config option 'db': must be a boolean",
    })
  })

  it.each([
    [{ config: { port: 1 } }, 'config', 'must be a configuration returned by loadConfig'],
    [{ dotenv: 1 }, 'dotenv', 'must be a boolean or { path?: string }'],
    [{ env: ['HS_KEY=x'] }, 'env', 'must be an object of strings'],
  ])('rejects the options %j', async (options, name, problem) => {
    const app = Fastify()
    app.register(fbiConfig, options as never)
    await expect(app.ready()).rejects.toMatchObject({
      code: 'FBI_CONFIG_INVALID_OPTION',
      message: `Invalid @fbi/config option '${name}': ${problem}`,
    })
    await app.close()
  })

  it('uses a configuration loaded beforehand as is', async (ctx) => {
    const config = loadConfig({ env: { ...JWT_ENV, ENVIRONMENT: 'DEMO' } })
    const app = Fastify()
    ctx.onTestFinished(() => app.close())
    await app.register(fbiConfig, { config })
    expect(app.config).toBe(config)
  })

  it('is visible to plugins registered after it, and satisfies their dependency', async (ctx) => {
    const app = Fastify()
    ctx.onTestFinished(() => app.close())
    let seen: string | undefined
    const battery = fp(
      async (instance) => {
        seen = instance.config.environment
      },
      { name: 'battery', dependencies: ['@fbi/config'] },
    )
    await app.register(fbiConfig, { env: { ...JWT_ENV, ENVIRONMENT: 'TRAINING' } })
    await app.register(battery)
    expect(seen).toBe('TRAINING')
  })

  it('makes a battery registered without it fail with Fastify own dependency error', async (ctx) => {
    const app = Fastify()
    ctx.onTestFinished(() => app.close())
    app.register(fp(async () => {}, { name: 'battery', dependencies: ['@fbi/config'] }))
    await expect(app.ready()).rejects.toMatchObject({ code: 'FST_ERR_PLUGIN_DEPENDENCY_NOT_REGISTERED' })
  })
})

describe('dotenv', () => {
  it('reads a .env file when asked, with explicit env values winning', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fbi-config-'))
    const path = join(dir, '.env')
    writeFileSync(path, 'HS_KEY=from-file\nPROXY_URL=http://file\nPORT=7777\n')
    const config = loadConfig({ env: { PORT: '6000' }, dotenv: { path } })
    expect(config.jwt.hsKey).toBe('from-file')
    expect(config.jwt.proxyUrl).toBe('http://file')
    expect(config.port).toBe(6000)
  })

  it('ignores a missing .env file', () => {
    const config = loadConfig({ env: { ...JWT_ENV }, dotenv: { path: '/nonexistent/.env' } })
    expect(config.jwt.hsKey).toBe('secret-key')
  })
})

describe('dotenv and the production guards', () => {
  it('lets a .env file make the environment non-production for the guards too', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fbi-config-'))
    const path = join(dir, '.env')
    writeFileSync(path, 'ENVIRONMENT=DEVELOPMENT\nALLOW_DROP_DATA=true\n')
    const config = loadConfig({ env: { ...JWT_ENV }, dotenv: { path }, db: true })
    expect(config.isProduction).toBe(false)
    expect(config.allowDropData).toBe(true)
    expect(config.db.configured).toBe(false)
  })
})

describe('dotenv that cannot be read', () => {
  it('fails with a coded error naming the file, not the raw fs error', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fbi-config-'))
    // A directory where a file is expected: EISDIR, not ENOENT.
    expect(() => loadConfig({ env: { ...JWT_ENV }, dotenv: { path: dir } })).toThrow(
      expect.objectContaining({
        code: 'FBI_CONFIG_INVALID_OPTION',
        message: expect.stringContaining(`Invalid @fbi/config option 'dotenv': cannot read ${dir}: EISDIR`),
      }),
    )
  })
})
