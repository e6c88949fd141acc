import { createServer, type IncomingHttpHeaders } from 'node:http'
import type { AddressInfo } from 'node:net'
import fbiConfig from '@fbi/config'
import fbiDb from '@fbi/db'
import fbiErrors from '@fbi/errors'
import fbiMonitoring, { monitoringServerOptions } from '@fbi/monitoring'
import fbiSecurity from '@fbi/security'
import { mintHsToken } from '@fbi/security/testing'
import Fastify, { type FastifyInstance } from 'fastify'
import fbiTracing, { type FbiTracingOptions } from '../src/index.js'
import type { CollectedSpan, TestCollector } from '../src/testing/index.js'

export const HS_KEY = 'tracing-test-key-0123456789abcdef0123'
export const PROXY_URL = 'http://localhost'
export const ISSUER = `${PROXY_URL}/`

export interface LogLine {
  level: number
  msg: string
  reqId?: string
  trace_id?: string
  span_id?: string
  trace_flags?: string
  httpRequest?: { status: number; route: string }
  [key: string]: unknown
}

/** The variables that send this app's traces to `collector` as OTLP/JSON, exported every 10 ms. */
export function tracingEnv(collector: TestCollector, serviceName = 'test-service'): Record<string, string> {
  return {
    OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
    OTEL_SERVICE_NAME: serviceName,
    OTEL_BSP_SCHEDULE_DELAY: '10',
  }
}

export interface TracedApp {
  app: FastifyInstance
  logs: LogLine[]
}

/**
 * A real app as @fbi/all orders it: config, tracing, errors, monitoring, security; its JSON log
 * lines collected in `logs`. `routes` are added after the batteries; the app is ready when returned.
 */
export async function buildApp(
  options: {
    env?: Record<string, string>
    tracing?: FbiTracingOptions
    serverOptions?: boolean
    /** Register @fbi/db too: the real PostgreSQL of FBI_TEST_DATABASE_URL, else the embedded one. */
    db?: boolean
    /** Turn on @fbi/config's auth0 group (a JWKS issuer, from AUTH0_* in `env`). */
    auth0?: boolean
    routes?: (app: FastifyInstance) => void
  } = {},
): Promise<TracedApp> {
  const logs: LogLine[] = []
  const stream = { write: (line: string) => logs.push(JSON.parse(line) as LogLine) }
  const app = Fastify({
    ...(options.serverOptions === false ? {} : monitoringServerOptions()),
    logger: { level: 'info', stream },
  })
  await app.register(fbiConfig, {
    env: { ENVIRONMENT: 'TEST', HS_KEY, PROXY_URL, ...(options.db ? databaseEnv() : {}), ...options.env },
    db: options.db === true,
    auth0: options.auth0 === true,
  })
  await app.register(fbiTracing, options.tracing ?? {})
  await app.register(fbiErrors)
  await app.register(fbiMonitoring, { gracefulShutdown: false })
  await app.register(fbiSecurity, { jwksCooldownMs: 0 })
  if (options.db) await app.register(fbiDb)
  options.routes?.(app)
  await app.ready()
  return { app, logs }
}

/** A loopback HTTP server answering every request with `answer`, keeping the headers it was sent. */
export async function recordingServer(
  answer: (url: string) => unknown,
): Promise<{ url: string; headers: IncomingHttpHeaders[]; close(): Promise<void> }> {
  const headers: IncomingHttpHeaders[] = []
  const server = createServer((request, response) => {
    headers.push(request.headers)
    response
      .writeHead(200, { 'content-type': 'application/json' })
      .end(JSON.stringify(answer(request.url ?? '')))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    headers,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}

/** The real PostgreSQL when the test run has one (FBI_TEST_DATABASE_URL); none means the embedded one. */
export function databaseEnv(): Record<string, string> {
  const url = process.env.FBI_TEST_DATABASE_URL
  return url ? { DATABASE_URL: url } : {}
}

/** An internal-issuer token. */
export function token(scope: string[], metadata: Record<string, unknown>): string {
  return mintHsToken({ key: HS_KEY, issuer: ISSUER, audience: ISSUER, scope, metadata })
}

/** A W3C traceparent for a sampled remote parent. */
export function traceparent(traceId: string, parentId: string, sampled = true): string {
  return `00-${traceId}-${parentId}-${sampled ? '01' : '00'}`
}

/** Random lower-case hex of `bytes` bytes. */
export function hex(bytes: number): string {
  return Buffer.from(crypto.getRandomValues(new Uint8Array(bytes))).toString('hex')
}

/** Every attribute value of every span and event, as text, to search for what must never be there. */
export function everyValue(spans: readonly CollectedSpan[]): string[] {
  return spans.flatMap((span) => [
    span.name,
    span.status.message ?? '',
    ...Object.values(span.attributes).map(String),
    ...span.events.flatMap((event) => [event.name, ...Object.values(event.attributes).map(String)]),
  ])
}
