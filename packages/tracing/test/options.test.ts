import fbiConfig from '@fbi/config'
import Fastify from 'fastify'
import { describe, expect, it } from 'vitest'
import fbiTracing, { type FbiTracingOptions } from '../src/index.js'

function register(options: unknown, config: { tracing?: boolean } = {}) {
  const app = Fastify()
  app.register(fbiConfig, { jwt: false, env: {}, ...config })
  app.register(fbiTracing, options as FbiTracingOptions)
  return app
}

describe('options', () => {
  it.for([
    [
      { traceMonitoringRoutes: 'yes' },
      "Invalid @fbi/tracing option 'traceMonitoringRoutes': must be a boolean",
    ],
    [{ instrumentHooks: 1 }, "Invalid @fbi/tracing option 'instrumentHooks': must be a boolean"],
    [{ serviceName: '' }, "Invalid @fbi/tracing option 'serviceName': must be a non-empty string"],
  ] as const)('refuses %j', async ([options, message]) => {
    // A boot that failed leaves nothing open (and close() would throw its error again).
    const app = register(options)
    await expect(app.ready()).rejects.toMatchObject({ code: 'FBI_TRACING_INVALID_OPTION', message })
  })

  it('needs the tracing group of @fbi/config', async () => {
    const app = register({}, { tracing: false })
    await expect(app.ready()).rejects.toMatchObject({ code: 'FBI_TRACING_NOT_CONFIGURED' })
  })

  it('needs @fbi/config registered first', async () => {
    const app = Fastify()
    app.register(fbiTracing)
    await expect(app.ready()).rejects.toThrow("The decorator 'config' required by '@fbi/tracing'")
  })
})
