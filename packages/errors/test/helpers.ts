import { Writable } from 'node:stream'
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify'
import fbiErrors, { type FbiErrorsOptions } from '../src/index.js'

export interface LogLine {
  level: number
  msg: string
  err?: { stack?: string; message?: string }
  [key: string]: unknown
}

/** An app with the errors plugin whose log lines are kept for assertions. */
export async function buildApp(
  opts: FbiErrorsOptions & {
    isProduction?: boolean
    configCompat?: 'flask' | null
    /** The service's own logger instead of the recording one (`logs` then stays empty). */
    loggerInstance?: FastifyBaseLogger
  } = {},
): Promise<{ app: FastifyInstance; logs: LogLine[] }> {
  const logs: LogLine[] = []
  const stream = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n')) if (line) logs.push(JSON.parse(line))
      done()
    },
  })
  const { isProduction, configCompat, loggerInstance, ...pluginOpts } = opts
  // With the service's own logger, Fastify's request lines are off: Fastify writes them unguarded,
  // so a logger that throws would break Fastify itself before this battery is reached.
  const app =
    loggerInstance === undefined
      ? Fastify({ logger: { level: 'debug', stream } })
      : Fastify({ loggerInstance, disableRequestLogging: true })
  // Stands for @fbi/config's app.config: what this battery reads of it.
  if (isProduction !== undefined)
    app.decorate('config', { isProduction, compat: configCompat ?? null } as never)
  await app.register(fbiErrors, pluginOpts)
  return { app, logs }
}

export const LEVEL = { debug: 20, info: 30, warn: 40, error: 50 } as const

/** A logger every call of which throws `value` (a broken custom logger); its children are itself. */
export function throwingLogger(value: unknown = undefined): FastifyBaseLogger {
  const fail = () => {
    throw value
  }
  const logger = {
    level: 'info',
    info: fail,
    warn: fail,
    error: fail,
    debug: fail,
    fatal: fail,
    trace: fail,
    silent: fail,
    child: () => logger,
  }
  return logger as unknown as FastifyBaseLogger
}
