import { Counter, collectDefaultMetrics, Histogram, Registry, Summary } from 'prom-client'
import { describe, expect, it } from 'vitest'
import { buildApp } from './helpers.js'

const routes = (app: import('fastify').FastifyInstance) => {
  app.get('/items/:id', async (request) => ({ id: (request.params as { id: string }).id }))
  app.post('/items', async (_request, reply) => reply.code(201).send({ created: true }))
  app.get('/boom', async () => {
    throw new Error('kaput')
  })
}

function sampleLines(text: string, name: string): string[] {
  return text.split('\n').filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `))
}

describe('GET /metrics', () => {
  it('exposes process metrics in the Prometheus text format', async (ctx) => {
    const { app } = await buildApp()
    ctx.onTestFinished(() => app.close())
    const res = await app.inject({ url: '/metrics' })
    expect(res.statusCode).toBe(200)
    expect(res.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8')
    expect(res.body).toMatch(/^# TYPE process_cpu_user_seconds_total counter$/m)
    expect(res.body).toMatch(/^nodejs_eventloop_lag_seconds /m)
    expect(res.body).toMatch(/^# TYPE http_request_duration_seconds histogram$/m)
    expect(res.body).toMatch(/^# TYPE http_requests_total counter$/m)
  })

  it('labels requests by method, route pattern and status code, never by the raw URL', async (ctx) => {
    const { app } = await buildApp({ routes })
    ctx.onTestFinished(() => app.close())
    await app.inject({ url: '/items/1' })
    await app.inject({ url: '/items/2?x=y' })
    await app.inject({ method: 'POST', url: '/items', payload: {} })
    await app.inject({ url: '/boom' })
    await app.inject({ url: '/nowhere' })
    await app.inject({ url: '/running' })
    await app.inject({ url: '/healthcheck' })
    const text = (await app.inject({ url: '/metrics' })).body

    expect(sampleLines(text, 'http_requests_total').sort()).toEqual(
      [
        'http_requests_total{method="GET",route="/boom",status_code="500"} 1',
        'http_requests_total{method="GET",route="/items/:id",status_code="200"} 2',
        'http_requests_total{method="POST",route="/items",status_code="201"} 1',
      ].sort(),
    )
    expect(sampleLines(text, 'http_request_duration_seconds_count').sort()).toEqual(
      [
        'http_request_duration_seconds_count{method="GET",route="/boom",status_code="500"} 1',
        'http_request_duration_seconds_count{method="GET",route="/items/:id",status_code="200"} 2',
        'http_request_duration_seconds_count{method="POST",route="/items",status_code="201"} 1',
      ].sort(),
    )
    expect(text).toContain(
      'http_request_duration_seconds_bucket{le="0.005",method="GET",route="/items/:id",status_code="200"}',
    )
    // Monitoring routes, the raw URL and unknown URLs never become label values.
    expect(text).not.toMatch(/route="\/(running|healthcheck|metrics|nowhere|items\/1)"/)
  })

  it('keeps counting into the same series (label children are reused)', async (ctx) => {
    const { app } = await buildApp({ routes })
    ctx.onTestFinished(() => app.close())
    for (let i = 0; i < 5; i++) await app.inject({ url: `/items/${i}` })
    const text = (await app.inject({ url: '/metrics' })).body
    expect(sampleLines(text, 'http_requests_total')).toEqual([
      'http_requests_total{method="GET",route="/items/:id",status_code="200"} 5',
    ])
  })

  it('keeps histogram buckets cumulative and consistent with the count and the counter', async (ctx) => {
    const { app } = await buildApp({
      routes: (a) => {
        routes(a)
        a.route({ method: ['GET', 'PUT'], url: '/both', handler: async () => ({ ok: true }) })
      },
    })
    ctx.onTestFinished(() => app.close())
    for (let i = 0; i < 7; i++) await app.inject({ url: `/items/${i}` })
    await app.inject({ url: '/both' })
    await app.inject({ method: 'PUT', url: '/both', payload: {} })
    const text = (await app.inject({ url: '/metrics' })).body
    const series = '{method="GET",route="/items/:id",status_code="200"}'
    const buckets = sampleLines(text, 'http_request_duration_seconds_bucket')
      .filter((line) => line.includes('route="/items/:id"'))
      .map((line) => Number(line.split(' ')[1]))
    expect(buckets).toHaveLength(12)
    for (let i = 1; i < buckets.length; i++)
      expect(buckets[i]).toBeGreaterThanOrEqual(buckets[i - 1] as number)
    expect(buckets.at(-1)).toBe(7)
    expect(text).toContain(`http_request_duration_seconds_count${series} 7`)
    const sum = Number(
      sampleLines(text, 'http_request_duration_seconds_sum')
        .find((l) => l.includes('/items/:id'))
        ?.split(' ')[1],
    )
    expect(sum).toBeGreaterThan(0)
    expect(sum).toBeLessThan(60)
    expect(
      sampleLines(text, 'http_requests_total')
        .filter((l) => l.includes('/both'))
        .sort(),
    ).toEqual([
      'http_requests_total{method="GET",route="/both",status_code="200"} 1',
      'http_requests_total{method="PUT",route="/both",status_code="200"} 1',
    ])
    await app.metricsRegistry.resetMetrics()
    const after = (await app.inject({ url: '/metrics' })).body
    expect(after).toContain(`http_requests_total${series} 0`)
  })

  it('takes custom buckets and a caller-owned registry with its own metrics', async (ctx) => {
    const registry = new Registry()
    const jobs = new Counter({ name: 'jobs_total', help: 'jobs', registers: [registry] })
    jobs.inc(3)
    const { app } = await buildApp({
      routes,
      monitoring: { registry, durationBuckets: [0.1, 1], processMetrics: false },
    })
    ctx.onTestFinished(() => app.close())
    expect(app.metricsRegistry).toBe(registry)
    await app.inject({ url: '/items/1' })
    const text = (await app.inject({ url: '/metrics' })).body
    expect(text).toMatch(/^jobs_total 3$/m)
    expect(text).toContain(
      'http_request_duration_seconds_bucket{le="0.1",method="GET",route="/items/:id",status_code="200"} 1',
    )
    expect(text).toContain(
      'http_request_duration_seconds_bucket{le="+Inf",method="GET",route="/items/:id",status_code="200"} 1',
    )
    expect(text).not.toContain('le="0.005"')
    expect(text).not.toContain('process_cpu_user_seconds_total')
  })

  it('two apps in one process keep separate metrics', async (ctx) => {
    const one = await buildApp({ routes })
    const two = await buildApp({ routes })
    ctx.onTestFinished(async () => {
      await one.app.close()
      await two.app.close()
    })
    await one.app.inject({ url: '/items/1' })
    const text = (await two.app.inject({ url: '/metrics' })).body
    expect(sampleLines(text, 'http_requests_total')).toEqual([])
  })

  it("shows process metrics once, also when the caller's registry already collects them", async (ctx) => {
    const registry = new Registry()
    collectDefaultMetrics({ register: registry })
    const own = await buildApp({ monitoring: { registry } })
    const plain = await buildApp()
    ctx.onTestFinished(async () => {
      await own.app.close()
      await plain.app.close()
    })
    for (const app of [own.app, plain.app]) {
      const text = (await app.inject({ url: '/metrics' })).body
      expect(text.match(/^# TYPE process_cpu_user_seconds_total counter$/gm)).toHaveLength(1)
    }
  })

  it('is not served when metrics are off', async (ctx) => {
    const { app } = await buildApp({ routes, monitoring: { metrics: false } })
    ctx.onTestFinished(() => app.close())
    expect((await app.inject({ url: '/items/1' })).statusCode).toBe(200)
    expect((await app.inject({ url: '/metrics' })).statusCode).toBe(404)
  })
})

describe('request metrics through prom-client', () => {
  it("are prom-client's own Histogram and Counter in the app's registry", async (ctx) => {
    const { app } = await buildApp({ routes })
    ctx.onTestFinished(() => app.close())
    await app.inject({ url: '/items/1' })
    expect(app.metricsRegistry.getSingleMetric('http_request_duration_seconds')).toBeInstanceOf(Histogram)
    expect(app.metricsRegistry.getSingleMetric('http_requests_total')).toBeInstanceOf(Counter)
    const json = await app.metricsRegistry.getMetricsAsJSON()
    const requests = json.find((metric) => metric.name === 'http_requests_total')
    expect(requests?.values).toEqual([
      { labels: { method: 'GET', route: '/items/:id', status_code: '200' }, value: 1 },
    ])
  })

  it("leave out routes with fastify-metrics' config.disableMetrics", async (ctx) => {
    const { app } = await buildApp({
      routes: (a) => {
        routes(a)
        a.get('/quiet', { config: { disableMetrics: true } }, async () => ({ quiet: true }))
      },
    })
    ctx.onTestFinished(() => app.close())
    expect((await app.inject({ url: '/quiet' })).statusCode).toBe(200)
    await app.inject({ url: '/items/1' })
    const text = (await app.inject({ url: '/metrics' })).body
    expect(text).not.toContain('route="/quiet"')
    expect(text).toContain('route="/items/:id"')
  })
})

describe("compat: 'flask' metrics", () => {
  it("use the original's names, labels and buckets, and count unknown URLs under endpoint None", async (ctx) => {
    const { app } = await buildApp({ routes, monitoring: { compat: 'flask' } })
    ctx.onTestFinished(() => app.close())
    await app.inject({ url: '/items/1' })
    await app.inject({ url: '/items/2' })
    await app.inject({ url: '/boom' })
    await app.inject({ url: '/nowhere' })
    await app.inject({ url: '/running' })
    const text = (await app.inject({ url: '/metrics' })).body
    expect(text).toMatch(/^# TYPE flask_request_latency_seconds histogram$/m)
    expect(text).toMatch(/^# TYPE flask_request_count_total counter$/m)
    expect(text).toMatch(/^# TYPE request_processing_seconds summary$/m)
    expect(text).not.toContain('http_request_duration_seconds')
    expect(text).not.toMatch(/^http_requests_total/m)
    expect(sampleLines(text, 'flask_request_count_total').sort()).toEqual(
      [
        'flask_request_count_total{method="GET",endpoint="/boom",http_status="500"} 1',
        'flask_request_count_total{method="GET",endpoint="/items/:id",http_status="200"} 2',
        'flask_request_count_total{method="GET",endpoint="None",http_status="404"} 1',
      ].sort(),
    )
    // The Python client's default buckets, by method and endpoint only.
    const buckets = sampleLines(text, 'flask_request_latency_seconds_bucket')
      .filter((line) => line.includes('endpoint="/items/:id"'))
      .map((line) => /le="([^"]+)"/.exec(line)?.[1])
    expect(buckets).toEqual([
      '0.005',
      '0.01',
      '0.025',
      '0.05',
      '0.075',
      '0.1',
      '0.25',
      '0.5',
      '0.75',
      '1',
      '2.5',
      '5',
      '7.5',
      '10',
      '+Inf',
    ])
    expect(text).toContain('flask_request_latency_seconds_count{method="GET",endpoint="/items/:id"} 2')
    // A summary without quantiles, as the Python client's.
    expect(text).toContain('request_processing_seconds_count{method="GET",endpoint="/items/:id"} 2')
    expect(text).not.toContain('quantile=')
    expect(app.metricsRegistry.getSingleMetric('request_processing_seconds')).toBeInstanceOf(Summary)
  })

  it('follow app.config.compat, and the plugin option wins', async (ctx) => {
    const fromConfig = await buildApp({ routes, compat: 'flask' })
    const overridden = await buildApp({ routes, compat: 'flask', monitoring: { compat: false } })
    ctx.onTestFinished(async () => {
      await fromConfig.app.close()
      await overridden.app.close()
    })
    expect((await fromConfig.app.inject({ url: '/metrics' })).body).toContain('flask_request_latency_seconds')
    expect((await overridden.app.inject({ url: '/metrics' })).body).toContain('http_request_duration_seconds')
  })
})

describe('RequestMetrics', () => {
  it("puts an observation equal to a bound into that bound's bucket (le)", async () => {
    const { RequestMetrics } = await import('../src/metrics.js')
    const registry = new Registry()
    const record = new RequestMetrics(registry, [0.05, 0.1], null).forRoute('/r', ['GET'])
    record('GET', 200, 100)
    record('GET', 200, 20)
    record('GET', 200, 5000)
    const text = await registry.metrics()
    const labels = 'method="GET",route="/r",status_code="200"'
    expect(text).toContain(`http_request_duration_seconds_bucket{le="0.05",${labels}} 1`)
    expect(text).toContain(`http_request_duration_seconds_bucket{le="0.1",${labels}} 2`)
    expect(text).toContain(`http_request_duration_seconds_bucket{le="+Inf",${labels}} 3`)
    expect(text).toContain(`http_request_duration_seconds_sum{${labels}} 5.12`)
    expect(text).toContain(`http_requests_total{${labels}} 3`)
  })
})
