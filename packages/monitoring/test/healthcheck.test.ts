import { describe, expect, it } from 'vitest'
import type { HealthReport } from '../src/index.js'
import { buildApp } from './helpers.js'

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void
  const promise = new Promise<void>((r) => {
    resolve = r
  })
  return { promise, resolve }
}

describe('GET /healthcheck', () => {
  it('answers success with no checks registered, in the seed format', async (ctx) => {
    const { app } = await buildApp()
    ctx.onTestFinished(() => app.close())
    const res = await app.inject({ url: '/healthcheck' })
    expect(res.statusCode).toBe(200)
    const body = res.json<HealthReport>()
    expect(body).toEqual({
      hostname: expect.any(String),
      status: 'success',
      timestamp: expect.any(Number),
      results: [],
    })
    expect(Math.abs(body.timestamp - Date.now() / 1000)).toBeLessThan(60)
    expect(res.headers['cache-control']).toBe('no-cache, must-revalidate')
  })

  it('reports each passing check with its output', async (ctx) => {
    const { app } = await buildApp({
      routes: (a) => {
        a.addHealthCheck('database', async () => 'database ok')
        a.addHealthCheck('nothing', () => undefined)
      },
    })
    ctx.onTestFinished(() => app.close())
    const res = await app.inject({ url: '/healthcheck' })
    expect(res.statusCode).toBe(200)
    const body = res.json<HealthReport>()
    expect(body.status).toBe('success')
    expect(body.results).toEqual([
      {
        checker: 'database',
        output: 'database ok',
        passed: true,
        timestamp: expect.any(Number),
        expires: expect.any(Number),
        response_time: expect.any(Number),
        critical: true,
        groups: ['readiness'],
      },
      expect.objectContaining({ checker: 'nothing', output: null, passed: true }),
    ])
    const [first] = body.results
    expect(first?.expires).toBeCloseTo((first?.timestamp ?? 0) + 27, 3)
  })

  it('answers 500 failure when a check throws or rejects, with the error message as output, and logs it', async (ctx) => {
    const { app, logs } = await buildApp({
      routes: (a) => {
        a.addHealthCheck('ok', () => 'fine')
        a.addHealthCheck('throws', () => {
          throw new Error('connection refused')
        })
        a.addHealthCheck('rejects', () => Promise.reject(new Error('no jwks')))
      },
    })
    ctx.onTestFinished(() => app.close())
    const res = await app.inject({ url: '/healthcheck' })
    expect(res.statusCode).toBe(500)
    const body = res.json<HealthReport>()
    expect(body.status).toBe('failure')
    expect(body.results.map((r) => [r.checker, r.passed, r.output])).toEqual([
      ['ok', true, 'fine'],
      ['throws', false, 'connection refused'],
      ['rejects', false, 'no jwks'],
    ])
    expect(body.results[1]?.expires).toBeCloseTo((body.results[1]?.timestamp ?? 0) + 9, 3)
    // Built without monitoringServerOptions: the start-up advice about them is not one of these.
    const warnings = logs.filter((l) => l.level === 40 && !l.msg.includes('without fbiServerOptions'))
    expect(warnings.map((l) => l.msg)).toEqual([
      "Health check 'throws' failed",
      "Health check 'rejects' failed",
    ])
  })

  it('fails a check that outlives its timeout, without waiting for it', async (ctx) => {
    const never = deferred()
    const { app } = await buildApp({
      routes: (a) => {
        a.addHealthCheck('slow', () => never.promise, { timeoutMs: 50 })
        a.addHealthCheck('fast', () => 'ok')
      },
    })
    ctx.onTestFinished(() => {
      never.resolve()
      return app.close()
    })
    const res = await app.inject({ url: '/healthcheck' })
    expect(res.statusCode).toBe(500)
    const [slow, fast] = res.json<HealthReport>().results
    expect(slow).toMatchObject({
      checker: 'slow',
      passed: false,
      output: 'Health check timed out after 50ms',
    })
    expect(fast).toMatchObject({ checker: 'fast', passed: true })
  })

  it('uses the plugin-wide timeout when a check sets none', async (ctx) => {
    const never = deferred()
    const { app } = await buildApp({
      monitoring: { healthCheckTimeoutMs: 30 },
      routes: (a) => a.addHealthCheck('slow', () => never.promise),
    })
    ctx.onTestFinished(() => {
      never.resolve()
      return app.close()
    })
    const res = await app.inject({ url: '/healthcheck' })
    expect(res.json<HealthReport>().results[0]?.output).toBe('Health check timed out after 30ms')
  })

  it('runs the checks concurrently', async (ctx) => {
    const started: string[] = []
    const gate = deferred()
    const check = (name: string) => async () => {
      started.push(name)
      await gate.promise
      return name
    }
    const { app } = await buildApp({
      routes: (a) => {
        a.addHealthCheck('a', check('a'))
        a.addHealthCheck('b', check('b'))
      },
    })
    ctx.onTestFinished(() => app.close())
    const pending = app.inject({ url: '/healthcheck' })
    // Both checks start before either finishes: one at a time would leave b waiting on a's gate.
    await expect.poll(() => started).toEqual(['a', 'b'])
    gate.resolve()
    expect((await pending).statusCode).toBe(200)
  })

  it('reuses a passing result for the success TTL and a failing one for the failure TTL', async (ctx) => {
    let okCalls = 0
    let badCalls = 0
    const { app } = await buildApp({
      monitoring: { healthCheckSuccessTtlMs: 60_000, healthCheckFailureTtlMs: 0 },
      routes: (a) => {
        a.addHealthCheck('ok', () => ++okCalls)
        a.addHealthCheck('bad', () => {
          badCalls++
          throw new Error('still down')
        })
      },
    })
    ctx.onTestFinished(() => app.close())
    for (let i = 0; i < 3; i++) expect((await app.inject({ url: '/healthcheck' })).statusCode).toBe(500)
    expect(okCalls).toBe(1)
    expect(badCalls).toBe(3)
    const res = await app.inject({ url: '/healthcheck' })
    expect(res.json<HealthReport>().results[0]).toMatchObject({ checker: 'ok', output: 1 })
  })

  it('caches failures too, so a probe storm does not hammer a failing dependency', async (ctx) => {
    let calls = 0
    const { app } = await buildApp({
      routes: (a) =>
        a.addHealthCheck('db', () => {
          calls++
          throw new Error('down')
        }),
    })
    ctx.onTestFinished(() => app.close())
    await Promise.all(Array.from({ length: 5 }, () => app.inject({ url: '/healthcheck' })))
    await app.inject({ url: '/healthcheck' })
    expect(calls).toBe(1)
  })

  it('shares one run between concurrent probes while a check is under way', async (ctx) => {
    let calls = 0
    const gate = deferred()
    const { app } = await buildApp({
      monitoring: { healthCheckSuccessTtlMs: 0 },
      routes: (a) =>
        a.addHealthCheck('db', async () => {
          calls++
          await gate.promise
          return 'ok'
        }),
    })
    ctx.onTestFinished(() => app.close())
    const probes = Array.from({ length: 4 }, () => app.inject({ url: '/healthcheck' }))
    await expect.poll(() => calls).toBe(1)
    gate.resolve()
    for (const res of await Promise.all(probes)) expect(res.statusCode).toBe(200)
    expect(calls).toBe(1)
  })
})

describe('HealthChecks while shutting down', () => {
  it('fails at once without running the checks', async () => {
    const { HealthChecks } = await import('../src/health.js')
    let calls = 0
    const health = new HealthChecks({
      defaultTimeoutMs: 100,
      successTtlMs: 0,
      failureTtlMs: 0,
      onFailure: () => {},
    })
    health.add('db', () => ++calls)
    expect((await health.report()).status).toBe('success')
    health.markShuttingDown()
    const report = await health.report()
    expect(report.status).toBe('failure')
    expect(report.results).toEqual([
      expect.objectContaining({ checker: 'shutdown', passed: false, output: 'Service is shutting down' }),
    ])
    expect(calls).toBe(1)
  })
})

describe('app.addHealthCheck', () => {
  it('refuses a duplicate name', async () => {
    await expect(
      buildApp({
        routes: (a) => {
          a.addHealthCheck('db', () => 'ok')
          a.addHealthCheck('db', () => 'ok')
        },
      }),
    ).rejects.toMatchObject({
      code: 'FBI_MONITORING_DUPLICATE_HEALTH_CHECK',
      message: "A health check named 'db' is already registered",
    })
  })

  it.each([
    ['', () => 'ok', undefined, 'the name must be a non-empty string'],
    ['x', 'not a function', undefined, 'the check must be a function'],
    ['x', () => 'ok', { timeoutMs: 0 }, 'timeoutMs must be a positive integer'],
    ['x', () => 'ok', { timeoutMs: 1.5 }, 'timeoutMs must be a positive integer'],
  ])('refuses a bad check (%j, %j, %j)', async (name, check, opts, why) => {
    await expect(
      buildApp({ routes: (a) => a.addHealthCheck(name, check as () => unknown, opts) }),
    ).rejects.toMatchObject({
      code: 'FBI_MONITORING_INVALID_HEALTH_CHECK',
      message: expect.stringContaining(why),
    })
  })
})
