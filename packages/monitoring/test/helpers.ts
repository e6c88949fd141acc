import { connect } from 'node:net'
import fbiConfig from '@fbi/config'
import fbiErrors from '@fbi/errors'
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify'
import fbiMonitoring, { type FbiMonitoringOptions, monitoringServerOptions } from '../src/index.js'

export interface LogLine {
  level: number
  msg: string
  reqId?: string
  [key: string]: unknown
}

export interface BuildOptions {
  monitoring?: FbiMonitoringOptions
  env?: Record<string, string>
  /** @fbi/config's `compat` option (carried to `app.config.compat`). */
  compat?: 'flask' | false
  /** Build the server with monitoringServerOptions(). Default: false (the plugin's fallback path). */
  serverOptions?: boolean
  logLevel?: string
  extraServerOptions?: FastifyServerOptions
  routes?: (app: FastifyInstance) => void
}

export interface TestApp {
  app: FastifyInstance
  logs: LogLine[]
}

export const TEST_ENV = { ENVIRONMENT: 'DEVELOPMENT', HS_KEY: 'secret', PROXY_URL: 'http://localhost' }

/** A real app: config, errors and monitoring, logging JSON lines into `logs`. Graceful shutdown off by default. */
export async function buildApp(opts: BuildOptions = {}): Promise<TestApp> {
  const logs: LogLine[] = []
  const stream = { write: (line: string) => logs.push(JSON.parse(line) as LogLine) }
  const app = Fastify({
    logger: { level: opts.logLevel ?? 'info', stream },
    ...(opts.serverOptions ? monitoringServerOptions() : {}),
    ...opts.extraServerOptions,
  })
  await app.register(fbiConfig, { env: { ...TEST_ENV, ...opts.env }, compat: opts.compat })
  await app.register(fbiErrors)
  await app.register(fbiMonitoring, { gracefulShutdown: false, ...opts.monitoring })
  opts.routes?.(app)
  await app.ready()
  return { app, logs }
}

/** The per-request lines the monitoring plugin wrote (they carry `httpRequest`). */
export function requestLines(logs: LogLine[]): LogLine[] {
  return logs.filter((line) => line.httpRequest !== undefined)
}

/** Writes raw bytes to a listening port, half-closes, and returns all it answered until it closed. */
export function rawExchange(port: number, bytes: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.end(bytes))
    const chunks: Buffer[] = []
    socket.on('data', (chunk: Buffer) => chunks.push(chunk))
    socket.on('error', reject)
    socket.on('close', () => resolve(Buffer.concat(chunks).toString('latin1')))
  })
}

/** The port a listening app is bound to. */
export function portOf(app: FastifyInstance): number {
  return (app.server.address() as { port: number }).port
}
