import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadConfig } from '@fbi/config'
import Fastify from 'fastify'
import { describe, expect, it } from 'vitest'
import fbi, { fbiServerOptions } from '../src/index.js'
import { ENV } from './helpers.js'

describe('one configuration for the logger and the batteries', () => {
  it('is read once and used by both: LOG_LEVEL reaches the logger, the rest app.config', async (ctx) => {
    const config = loadConfig({ env: { ...ENV, LOG_LEVEL: 'debug', PORT: '8123' } })
    const file = join(mkdtempSync(join(tmpdir(), 'fbi-config-once-')), 'app.log')
    const app = Fastify(fbiServerOptions({ logger: { file }, config }))
    ctx.onTestFinished(() => app.close())
    await app.register(fbi, { config, monitoring: { gracefulShutdown: false, processMetrics: false } })
    app.get('/p/:id', async (request) => {
      request.log.debug('handler ran')
      return {}
    })
    await app.ready()
    expect(app.config).toBe(config)
    expect(app.config.port).toBe(8123)
    expect(app.log.level).toBe('debug')
    await app.inject({ url: '/p/1' })
    await app.close()
    expect(readFileSync(file, 'utf8')).toContain('"msg":"handler ran"')
  })

  it('is refused when it is not one loadConfig made', async () => {
    const app = Fastify()
    await expect(app.register(fbi, { config: { port: 1 } as never }).ready()).rejects.toThrow(
      "Invalid @fbi/config option 'config'",
    )
    await app.close()
  })
})
