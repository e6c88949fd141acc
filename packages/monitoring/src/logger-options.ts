import { isatty } from 'node:tty'
import { type FbiConfig, LOG_FORMATS, type LogFormat } from '@fbi/config'
import type { FastifyServerOptions } from 'fastify'
import {
  errorCode,
  isLogTarget,
  type LogDestination,
  type LogTarget,
  logDestination,
} from './log-destination.js'
import { compileRedaction, redactingFormatters, redactingOnChild } from './log-redaction.js'
import { booleanOption, choiceOption, invalid, isPlainObject } from './option-checks.js'

/** Fastify's `logger` options, with `file` a path or a file descriptor and no `stream` (fbi supplies it). */
export type FbiLoggerOptions = Omit<
  Exclude<FastifyServerOptions['logger'], boolean | undefined>,
  'file' | 'stream'
> & {
  /** Where the lines go: a file path (appended to) or a file descriptor. Default: 1 (stdout). */
  file?: LogTarget
  /** Write each line before the log call returns instead of once per event-loop turn. Default: false (true in worker threads). */
  sync?: boolean
  /**
   * Field names never written, at any depth, in any case or spelling (`nhs_number` also hides
   * `nhsNumber` and `NHS-Number`), added to the built-in REDACTED_FIELDS; applied to every line
   * before it is written. pino's own `redact` paths work beside it. Default: [] (the built-in list only).
   */
  redactFields?: readonly string[]
  /**
   * 'json' (one JSON object a line) or 'pretty' (one readable line a request, for a terminal).
   * Default: LOG_FORMAT, else 'pretty' outside production when the lines go to a terminal, else 'json'.
   */
  format?: LogFormat
}

/** What the logger takes from @fbi/config (LOG_LEVEL, LOG_FORMAT, ENVIRONMENT). */
export type LoggerConfig = Pick<FbiConfig, 'logLevel' | 'logFormat' | 'isProduction'>

function formatOf(format: unknown, config: LoggerConfig, target: LogTarget): LogFormat {
  // A developer at a terminal reads lines; anything else (a file, a pipe, a collector) parses them.
  const fallback =
    config.logFormat ??
    (!config.isProduction && typeof target === 'number' && isatty(target) ? 'pretty' : 'json')
  return choiceOption('logger.format', format, LOG_FORMATS, fallback)
}

/**
 * Fastify's `logger` option for `monitoringServerOptions({ logger })`: pino writing through
 * `logDestination`, redacting every line, at LOG_LEVEL (a `level` given wins), as JSON or pretty lines.
 */
export function fbiLoggerOptions(
  input: boolean | FbiLoggerOptions | undefined,
  readConfig: () => LoggerConfig,
): Pick<FastifyServerOptions, 'logger'> {
  if (input === undefined) return {}
  if (input === false) return { logger: false }
  if (input !== true && !isPlainObject(input)) invalid('logger', 'must be a boolean or logger options')
  const { file, sync, redactFields, format, ...pinoOptions } = input === true ? {} : input
  const config = readConfig()
  const redaction = compileRedaction(redactFields)
  const formatters = redactingFormatters(redaction, pinoOptions.formatters)
  const onChild = redactingOnChild(redaction, pinoOptions.onChild)
  if (file !== undefined && !isLogTarget(file))
    invalid('logger.file', 'must be a file path or a file descriptor')
  booleanOption('logger.sync', sync, false)
  // A transport would replace the stream: `file` and `sync` would silently do nothing.
  if ('transport' in pinoOptions || 'stream' in pinoOptions) {
    invalid('logger', 'takes `file`, not a transport or a stream')
  }
  const lineFormat = formatOf(format, config, file ?? 1)
  let stream: LogDestination
  try {
    stream = logDestination(file, { sync, format: lineFormat })
  } catch (error) {
    return invalid('logger.file', `cannot be opened (${errorCode(error)})`)
  }
  return { logger: { level: config.logLevel, ...pinoOptions, formatters, onChild, stream } }
}
