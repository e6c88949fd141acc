import type { FastifyServerOptions } from 'fastify'
import {
  errorCode,
  isLogTarget,
  type LogDestination,
  type LogTarget,
  logDestination,
} from './log-destination.js'
import { booleanOption, invalid, isPlainObject } from './option-checks.js'

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
  if (input !== true && !isPlainObject(input)) invalid('logger', 'must be a boolean or logger options')
  const { file, sync, ...pinoOptions } = input === true ? {} : input
  if (file !== undefined && !isLogTarget(file))
    invalid('logger.file', 'must be a file path or a file descriptor')
  booleanOption('logger.sync', sync, false)
  // A transport would replace the stream: `file` and `sync` would silently do nothing.
  if ('transport' in pinoOptions || 'stream' in pinoOptions) {
    invalid('logger', 'takes `file`, not a transport or a stream')
  }
  let stream: LogDestination
  try {
    stream = logDestination(file, { sync })
  } catch (error) {
    return invalid('logger.file', `cannot be opened (${errorCode(error)})`)
  }
  return { logger: { level: 'info', ...pinoOptions, stream } }
}
