import fbiConfig from '@fbi/config'
import Fastify, { type FastifyServerOptions } from 'fastify'
import { describe, expect, it } from 'vitest'
import fbiMonitoring, { monitoringServerOptions } from '../src/index.js'
import { buildApp, type LogLine, TEST_ENV } from './helpers.js'

// A service built with plain `Fastify({ logger: true })` works, but logs Fastify's two lines per request
// beside fbi's one and serves about half the requests per second: the plugin says so, once, at start.

const isWarning = (line: LogLine) => line.level === 40 && line.msg.includes('without fbiServerOptions')

async function startWith(serverOptions: FastifyServerOptions) {
  const logs: LogLine[] = []
  const stream = { write: (line: string) => logs.push(JSON.parse(line) as LogLine) }
  const app = Fastify({ ...serverOptions, logger: { level: 'info', stream } })
  await app.register(fbiConfig, { env: TEST_ENV })
  await app.register(fbiMonitoring, { gracefulShutdown: false })
  await app.ready()
  return { app, logs }
}

describe('the warning when the server was built without fbiServerOptions', () => {
  it('is logged once, at start, naming the fix', async (ctx) => {
    const { app, logs } = await buildApp()
    ctx.onTestFinished(() => app.close())
    await app.inject({ url: '/running' })
    await app.inject({ url: '/nowhere' })

    const warnings = logs.filter(isWarning)
    expect(warnings).toHaveLength(1)
    expect(warnings[0]?.msg).toContain('Fastify(fbiServerOptions({ logger: true }))')
    expect(warnings[0]?.msg).toContain('monitoringServerOptions')
  })

  it('is not logged when the server was built with them', async (ctx) => {
    const { app, logs } = await buildApp({ serverOptions: true })
    ctx.onTestFinished(() => app.close())
    expect(logs.filter(isWarning)).toEqual([])
  })

  it('is not logged when they are spread and the logger replaced', async (ctx) => {
    const { app, logs } = await startWith({ ...monitoringServerOptions({ requestTimeout: 20_000 }) })
    ctx.onTestFinished(() => app.close())
    expect(logs.filter(isWarning)).toEqual([])
  })

  it('is logged when routerOptions given after them replace theirs (the marker lives there)', async (ctx) => {
    const { app, logs } = await startWith({
      ...monitoringServerOptions(),
      routerOptions: { ignoreTrailingSlash: true },
    })
    ctx.onTestFinished(() => app.close())
    expect(logs.filter(isWarning)).toHaveLength(1)
  })

  it("is not logged when they are merged into the user's own routerOptions", async (ctx) => {
    const fbi = monitoringServerOptions()
    const { app, logs } = await startWith({
      ...fbi,
      routerOptions: { ...fbi.routerOptions, ignoreTrailingSlash: true },
    })
    ctx.onTestFinished(() => app.close())
    expect(logs.filter(isWarning)).toEqual([])
    expect(app.initialConfig.routerOptions?.ignoreTrailingSlash).toBe(true)
  })
})
