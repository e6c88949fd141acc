// A service that wants only probes and metrics: @fbi/monitoring (and @fbi/config, which it reads), no
// JWT variables, no database. Built with monitoringServerOptions, so no start-up warning.
import fbiConfig from '@fbi/config'
import fbiMonitoring, { monitoringServerOptions } from '@fbi/monitoring'
import Fastify from 'fastify'

const lines: string[] = []
const app = Fastify({
  ...monitoringServerOptions(),
  logger: { level: 'info', stream: { write: (line: string) => void lines.push(line) } },
})
await app.register(fbiConfig, { env: { ENVIRONMENT: 'DEVELOPMENT' }, jwt: false })
await app.register(fbiMonitoring, { serviceVersion: '1.0.0', gracefulShutdown: false })
app.addHealthCheck('always', () => 'fine')
app.get('/hello', async () => ({ hello: 'world' }))

const base = await app.listen({ host: '127.0.0.1', port: 0 })
const get = async (path: string) => {
  const res = await fetch(`${base}${path}`)
  return { status: res.status, text: await res.text(), id: res.headers.get('x-request-id') }
}
const hello = await get('/hello')
const running = await get('/running')
const health = await get('/healthcheck')
const version = await get('/version')
const metrics = await get('/metrics')
await app.close()

const problems: string[] = []
if (hello.status !== 200 || hello.id === null) problems.push(`/hello ${hello.status} id ${hello.id}`)
if (running.status !== 200) problems.push(`/running ${running.status}`)
if (health.status !== 200 || !health.text.includes('"success"')) problems.push(`/healthcheck ${health.text}`)
if (!version.text.includes('1.0.0')) problems.push(`/version ${version.text}`)
if (!/http_requests_total\{method="GET",route="\/hello",status_code="200"\} 1/.test(metrics.text)) {
  problems.push('/metrics has no http_requests_total for /hello')
}
if (lines.some((line) => line.includes('without fbiServerOptions')))
  problems.push('the start-up warning was logged')
if (problems.length > 0) throw new TypeError(problems.join('; '))
console.log('consumer ok: /hello 200 /running /healthcheck /version /metrics')
