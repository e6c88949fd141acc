import fbiConfig from '@fbi/config'
import Fastify from 'fastify'
import { describe, expect, it } from 'vitest'
import fbiMonitoring, { type FbiMonitoringOptions } from '../src/index.js'
import { buildApp, TEST_ENV } from './helpers.js'

describe('options', () => {
  it.each<[string, FbiMonitoringOptions, string]>([
    ['healthCheckTimeoutMs', { healthCheckTimeoutMs: 0 }, 'must be an integer >= 1'],
    ['healthCheckSuccessTtlMs', { healthCheckSuccessTtlMs: -1 }, 'must be an integer >= 0'],
    ['healthCheckFailureTtlMs', { healthCheckFailureTtlMs: 1.5 }, 'must be an integer >= 0'],
    ['buildInfoDir', { buildInfoDir: '' }, 'must be a non-empty string'],
    ['serviceVersion', { serviceVersion: 3 as never }, 'must be a non-empty string'],
    ['debugRoute', { debugRoute: 'yes' as never }, 'must be a boolean'],
    ['metrics', { metrics: 1 as never }, 'must be a boolean'],
    [
      'durationBuckets',
      { durationBuckets: [1, 0.5] },
      'must be a non-empty increasing array of positive numbers',
    ],
    ['durationBuckets', { durationBuckets: [] }, 'must be a non-empty increasing array of positive numbers'],
    ['registry', { registry: {} as never }, 'must be a prom-client Registry'],
    ['etag', { etag: 'sha1' as never }, 'must be a boolean or { algorithm?, weak? }'],
    [
      'etag.algorithm',
      { etag: { algorithm: 'nope' } },
      "must be one of Node's hash algorithms (crypto.getHashes())",
    ],
    ['etag.weak', { etag: { weak: 'yes' as never } }, 'must be a boolean'],
    ['gracefulShutdown', { gracefulShutdown: true as never }, 'must be false or { delayMs?, timeoutMs? }'],
    ['gracefulShutdown.delayMs', { gracefulShutdown: { delayMs: -5 } }, 'must be an integer >= 0'],
    ['gracefulShutdown.timeoutMs', { gracefulShutdown: { timeoutMs: 0 } }, 'must be an integer >= 1'],
  ])('rejects a bad %s', async (name, monitoring, why) => {
    await expect(buildApp({ monitoring })).rejects.toMatchObject({
      code: 'FBI_MONITORING_INVALID_OPTION',
      statusCode: 500,
      message: `Invalid @fbi/monitoring option '${name}': ${why}`,
    })
  })

  it('needs @fbi/config registered first', async (ctx) => {
    const app = Fastify()
    ctx.onTestFinished(() => app.close())
    app.register(fbiMonitoring, { gracefulShutdown: false })
    await expect(app.ready()).rejects.toThrow(
      "The decorator 'config' required by '@fbi/monitoring' is not present",
    )
  })

  it('installs SIGTERM and SIGINT handlers only while the app is open', async () => {
    const before = [process.listenerCount('SIGTERM'), process.listenerCount('SIGINT')]
    const errorListeners =
      process.listenerCount('uncaughtException') + process.listenerCount('unhandledRejection')
    const app = Fastify()
    await app.register(fbiConfig, { env: TEST_ENV })
    await app.register(fbiMonitoring)
    await app.ready()
    expect([process.listenerCount('SIGTERM'), process.listenerCount('SIGINT')]).toEqual([
      before[0]! + 1,
      before[1]! + 1,
    ])
    // A plugin does not take over the process's error events.
    expect(process.listenerCount('uncaughtException') + process.listenerCount('unhandledRejection')).toBe(
      errorListeners,
    )
    await app.close()
    expect([process.listenerCount('SIGTERM'), process.listenerCount('SIGINT')]).toEqual(before)
  })
})
