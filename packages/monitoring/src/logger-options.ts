import type { FastifyServerOptions } from 'fastify'
import { FBI_MONITORING_INVALID_OPTION } from './errors.js'
import {
  errorCode,
  isLogTarget,
  type LogDestination,
  type LogTarget,
  logDestination,
} from './log-destination.js'

/** Fastify's `logger` options, with `file` a path or a file descriptor and no `stream` (fbi supplies it). */
export type FbiLoggerOptions = Omit<
  Exclude<FastifyServerOptions['logger'], boolean | undefined>,
  'file' | 'stream'
> & {
  /** Where the lines go: a file path (appended to) or a file descriptor. Default: 1 (stdout). */
  file?: LogTarget
  /** Write each line before the log call returns instead of once per event-loop turn. Default: false (true in worker threads). */
  sync?: boolean
}

/** Fastify's `logger` option for `monitoringServerOptions({ logger })`: pino writing through `logDestination`. */
export function fbiLoggerOptions(
  input: boolean | FbiLoggerOptions | undefined,
): Pick<FastifyServerOptions, 'logger'> {
  if (input === undefined) return {}
  if (input === false) return { logger: false }
  if (input !== true && (typeof input !== 'object' || input === null || Array.isArray(input))) {
    throw new FBI_MONITORING_INVALID_OPTION('logger', 'must be a boolean or logger options')
  }
  const { file, sync, ...pinoOptions } = input === true ? {} : input
  if (file !== undefined && !isLogTarget(file)) {
    throw new FBI_MONITORING_INVALID_OPTION('logger.file', 'must be a file path or a file descriptor')
  }
  if (sync !== undefined && typeof sync !== 'boolean') {
    throw new FBI_MONITORING_INVALID_OPTION('logger.sync', 'must be a boolean')
  }
  // A transport would replace the stream: `file` and `sync` would silently do nothing.
  if ('transport' in pinoOptions || 'stream' in pinoOptions) {
    throw new FBI_MONITORING_INVALID_OPTION('logger', 'takes `file`, not a transport or a stream')
  }
  let stream: LogDestination
  try {
    stream = logDestination(file, { sync })
  } catch (error) {
    throw new FBI_MONITORING_INVALID_OPTION('logger.file', `cannot be opened (${errorCode(error)})`)
  }
  return { logger: { level: 'info', ...pinoOptions, stream } }
}
