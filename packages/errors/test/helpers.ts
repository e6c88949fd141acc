import { Writable } from 'node:stream'
import Fastify, { type FastifyInstance } from 'fastify'
import fbiErrors, { type FbiErrorsOptions } from '../src/index.js'

export interface LogLine {
  level: number
  msg: string
  err?: { stack?: string; message?: string }
  [key: string]: unknown
}

/** An app with the errors plugin whose log lines are kept for assertions. */
export async function buildApp(
  opts: FbiErrorsOptions & { isProduction?: boolean; configCompat?: 'flask' | null } = {},
): Promise<{ app: FastifyInstance; logs: LogLine[] }> {
  const logs: LogLine[] = []
  const stream = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n')) if (line) logs.push(JSON.parse(line))
      done()
    },
  })
  const app = Fastify({ logger: { level: 'debug', stream } })
  const { isProduction, configCompat, ...pluginOpts } = opts
  // Stands for @fbi/config's app.config: what this battery reads of it.
  if (isProduction !== undefined)
    app.decorate('config', { isProduction, compat: configCompat ?? null } as never)
  await app.register(fbiErrors, pluginOpts)
  return { app, logs }
}

export const LEVEL = { debug: 20, info: 30, warn: 40, error: 50 } as const
