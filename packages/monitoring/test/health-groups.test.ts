import type { FastifyInstance } from 'fastify'
import { describe, expect, it } from 'vitest'
import { HEALTH_GROUP_PATHS, HEALTH_GROUPS, type HealthReport } from '../src/index.js'
import { buildApp } from './helpers.js'

const noCache = { healthCheckSuccessTtlMs: 0, healthCheckFailureTtlMs: 0 }

function checks(app: FastifyInstance, calls: Record<string, number>): void {
  const counted = (name: string, value: unknown) => () => {
    calls[name] = (calls[name] ?? 0) + 1
    if (value instanceof Error) throw value
    return value
  }
  app.addHealthCheck('event-loop', counted('event-loop', 'ok'), { groups: ['liveness'] })
  app.addHealthCheck('database', counted('database', 'Database ok'))
  app.addHealthCheck('migrations', counted('migrations', 'up to date'), { groups: ['startup'] })
  app.addHealthCheck('cache', counted('cache', 'warm'), { groups: ['readiness', 'startup'] })
}

const names = (report: HealthReport) => report.results.map((result) => result.checker)

describe('health groups', () => {
  it('answers each Kubernetes probe with the checks of its group, and /healthcheck with all', async (ctx) => {
    const calls: Record<string, number> = {}
    const { app } = await buildApp({ monitoring: noCache, routes: (a) => checks(a, calls) })
    ctx.onTestFinished(() => app.close())
    const live = await app.inject({ url: '/healthcheck/live' })
    const ready = await app.inject({ url: '/healthcheck/ready' })
    const startup = await app.inject({ url: '/healthcheck/startup' })
    const all = await app.inject({ url: '/healthcheck' })
    for (const res of [live, ready, startup, all]) expect(res.statusCode).toBe(200)
    expect(names(live.json())).toEqual(['event-loop'])
    expect(names(ready.json())).toEqual(['database', 'cache'])
    expect(names(startup.json())).toEqual(['migrations', 'cache'])
    expect(names(all.json())).toEqual(['event-loop', 'database', 'migrations', 'cache'])
    expect(ready.json<HealthReport>().results[1]).toMatchObject({
      checker: 'cache',
      passed: true,
      critical: true,
      groups: ['readiness', 'startup'],
    })
    expect(calls).toEqual({ 'event-loop': 2, database: 2, migrations: 2, cache: 3 })
  })

  it('fails a probe with 503 (and /healthcheck with 500) only through a critical check of it', async (ctx) => {
    const { app, logs } = await buildApp({
      monitoring: noCache,
      routes: (a) => {
        a.addHealthCheck('database', () => 'Database ok')
        a.addHealthCheck('jwks', () => Promise.reject(new Error('JWKS unreachable')), { critical: false })
        a.addHealthCheck('migrations', () => false, { groups: ['startup'] })
      },
    })
    ctx.onTestFinished(() => app.close())
    const ready = await app.inject({ url: '/healthcheck/ready' })
    expect(ready.statusCode).toBe(200)
    expect(ready.json()).toMatchObject({
      status: 'success',
      results: [
        { checker: 'database', passed: true },
        { checker: 'jwks', passed: false, critical: false, output: 'JWKS unreachable' },
      ],
    })
    const startup = await app.inject({ url: '/healthcheck/startup' })
    expect(startup.statusCode).toBe(503)
    expect(startup.json()).toMatchObject({
      status: 'failure',
      results: [{ checker: 'migrations', passed: false }],
    })
    expect((await app.inject({ url: '/healthcheck' })).statusCode).toBe(500)
    expect(logs.filter((line) => line.level === 40).map((line) => line.msg)).toContain(
      "Health check 'jwks' failed",
    )
  })

  it('shares one cached run between the probes a check joins', async (ctx) => {
    const calls: Record<string, number> = {}
    const { app } = await buildApp({ routes: (a) => checks(a, calls) })
    ctx.onTestFinished(() => app.close())
    await app.inject({ url: '/healthcheck/ready' })
    await app.inject({ url: '/healthcheck/startup' })
    await app.inject({ url: '/healthcheck' })
    expect(calls).toEqual({ 'event-loop': 1, database: 1, migrations: 1, cache: 1 })
  })

  it('shows only the status with healthDetails: status', async (ctx) => {
    const { app } = await buildApp({
      monitoring: { healthDetails: 'status' },
      routes: (a) => a.addHealthCheck('database', () => 'secret detail: db-primary.internal:5432'),
    })
    ctx.onTestFinished(() => app.close())
    for (const url of ['/healthcheck', ...Object.values(HEALTH_GROUP_PATHS)]) {
      const res = await app.inject({ url })
      expect(res.statusCode).toBe(200)
      expect(res.json()).toEqual({ status: 'success' })
    }
  })

  it('fails readiness at once while shutting down, but not liveness or startup', async () => {
    const { HealthChecks } = await import('../src/health.js')
    const health = new HealthChecks({
      defaultTimeoutMs: 100,
      successTtlMs: 0,
      failureTtlMs: 0,
      onFailure: () => {},
    })
    health.add('database', () => 'ok')
    health.add('alive', () => 'ok', { groups: ['liveness'] })
    health.add('migrations', () => 'ok', { groups: ['startup'] })
    health.markShuttingDown()
    expect((await health.report()).status).toBe('failure')
    expect((await health.report('readiness')).results).toEqual([
      expect.objectContaining({ checker: 'shutdown', passed: false, output: 'Service is shutting down' }),
    ])
    expect(await health.report('liveness')).toMatchObject({
      status: 'success',
      results: [{ checker: 'alive' }],
    })
    expect(await health.report('startup')).toMatchObject({
      status: 'success',
      results: [{ checker: 'migrations' }],
    })
  })

  it("answers in the original's result shape with compat: 'flask'", async (ctx) => {
    const { app } = await buildApp({
      compat: 'flask',
      routes: (a) => a.addHealthCheck('database', () => 'ok'),
    })
    ctx.onTestFinished(() => app.close())
    const res = await app.inject({ url: '/healthcheck/ready' })
    expect(Object.keys(res.json<HealthReport>().results[0] ?? {}).sort()).toEqual([
      'checker',
      'expires',
      'output',
      'passed',
      'timestamp',
    ])
  })

  it('refuses groups and criticality that are not', async (ctx) => {
    const { app } = await buildApp()
    ctx.onTestFinished(() => app.close())
    const bad = (opts: unknown) => () => app.addHealthCheck('x', () => 1, opts as never)
    expect(bad({ groups: [] })).toThrow(
      "Invalid health check 'x': groups must be a non-empty list of liveness, readiness, startup",
    )
    expect(bad({ groups: ['ready'] })).toThrow(/groups must be/)
    expect(bad({ critical: 'no' })).toThrow("Invalid health check 'x': critical must be a boolean")
    expect(bad(null)).toThrow("Invalid health check 'x': the options must be an object")
    expect(HEALTH_GROUPS).toEqual(['liveness', 'readiness', 'startup'])
    expect(Object.isFrozen(HEALTH_GROUPS)).toBe(true)
  })

  it('refuses a healthDetails it does not know', async () => {
    await expect(buildApp({ monitoring: { healthDetails: 'some' as 'full' } })).rejects.toThrow(
      "Invalid @fbi/monitoring option 'healthDetails': must be one of 'full', 'status'",
    )
  })
})
