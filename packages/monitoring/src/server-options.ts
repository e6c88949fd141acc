import type { Server } from 'node:http'
import { loadConfig } from '@fbi/config'
import type { FastifyHttpOptions } from 'fastify'
import { fbiLogController } from './log-controller.js'
import { requestLoggerFactory } from './log-redaction.js'
import { type FbiLoggerOptions, fbiLoggerOptions, type LoggerConfig } from './logger-options.js'
import { REQUEST_ID_LOG_LABEL, requestIdGenerator } from './request-id.js'
import { type ServerLimitOptions, type ServerLimits, serverLimits } from './server-limits.js'
import { type MarkedRouterOptions, markedRouterOptions } from './server-options-marker.js'

export interface MonitoringServerOptionsInput extends ServerLimits {
  /**
   * Build Fastify's logger too: pino writing through `logDestination` (the lines of an event-loop
   * turn in one write at its end, held lines written on exit; `sync: true` for a write per line).
   * `true` is `{ level: 'info' }` on stdout. Leave it out to pass your own `logger`.
   */
  logger?: boolean | FbiLoggerOptions
  /**
   * Generate a UUID when a request has no valid X-Request-ID (LOG_REQUEST_ID_GENERATE_IF_NOT_FOUND).
   * Default: true.
   */
  generateRequestId?: boolean
  /**
   * Where `logger` takes LOG_LEVEL, LOG_FORMAT and ENVIRONMENT from: a configuration `loadConfig`
   * (@fbi/config) returned, e.g. the one you also pass to the plugins, so a `.env` file counts.
   * Default: the general variables read from process.env by `loadConfig`, when `logger` is given.
   */
  config?: LoggerConfig
}

/** The Fastify server options `monitoringServerOptions` returns; spread them into `Fastify({ ... })`. */
export type MonitoringServerOptions = ServerLimitOptions &
  Pick<
    FastifyHttpOptions<Server>,
    | 'logger'
    | 'logController'
    | 'disableRequestLogging'
    | 'requestIdHeader'
    | 'requestIdLogLabel'
    | 'genReqId'
    | 'childLoggerFactory'
  > & {
    /** Carries the mark the plugin looks for (no warning at start); spread it into your own routerOptions. */
    routerOptions: MarkedRouterOptions
  }

/**
 * Fastify server options that only the server constructor can take: timeouts and limits that cut
 * slow and broken clients off (see ServerLimits), no Fastify per-request log lines (the monitoring
 * plugin writes one line per request instead) and request ids taken from the request or generated
 * before the request's logger is made, so no logger is rebuilt per request.
 */
export function monitoringServerOptions(opts: MonitoringServerOptionsInput = {}): MonitoringServerOptions {
  const limits = serverLimits(opts)
  const genReqId = requestIdGenerator(opts.generateRequestId ?? true)
  const logger = fbiLoggerOptions(opts.logger, () => opts.config ?? loadConfig({ jwt: false }))
  // With fbi's logger: a request's logger is made knowing its one binding is the checked request id.
  const factory =
    logger.logger === undefined || logger.logger === false ? {} : { childLoggerFactory: requestLoggerFactory }
  const logController = fbiLogController(REQUEST_ID_LOG_LABEL)
  const routerOptions = markedRouterOptions()
  if (logController !== undefined) {
    return {
      ...limits,
      ...logger,
      ...factory,
      logController,
      requestIdHeader: false,
      genReqId,
      routerOptions,
    }
  }
  return {
    ...limits,
    ...logger,
    ...factory,
    routerOptions,
    disableRequestLogging: true,
    requestIdLogLabel: REQUEST_ID_LOG_LABEL,
    requestIdHeader: false,
    genReqId,
  }
}
