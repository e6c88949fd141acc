import { randomUUID } from 'node:crypto'
import type { IncomingMessage } from 'node:http'
import type { FastifyReply, FastifyRequest, FastifyServerOptions, onRequestHookHandler } from 'fastify'
import fastify from 'fastify'
import { type FbiLoggerOptions, fbiLoggerOptions } from './log-destination.js'

/** The header that carries the request id in and out. Node lowercases incoming header names. */
export const REQUEST_ID_HEADER = 'x-request-id'
/** The log binding that carries the request id; Fastify's own default, so both paths agree. */
export const REQUEST_ID_LOG_LABEL = 'reqId' as const
/** Longest incoming id we keep: long enough for any UUID, trace id or ULID, short enough for a log. */
export const MAX_REQUEST_ID_LENGTH = 128

// Letters, digits and the punctuation ids are made of (UUIDs, ULIDs, base64, trace ids). No spaces,
// no control characters, nothing that could forge a log line or a header.
const SAFE_REQUEST_ID = /^[A-Za-z0-9._:+=@/-]+$/

/** True when an incoming X-Request-ID is safe to keep, log and echo. */
export function isValidRequestId(value: unknown): value is string {
  return (
    typeof value === 'string' &&
    value.length > 0 &&
    value.length <= MAX_REQUEST_ID_LENGTH &&
    SAFE_REQUEST_ID.test(value)
  )
}

export interface MonitoringServerOptionsInput {
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
}

/** The Fastify server options `monitoringServerOptions` returns; spread them into `Fastify({ ... })`. */
export type MonitoringServerOptions = Pick<
  FastifyServerOptions,
  'logger' | 'logController' | 'disableRequestLogging' | 'requestIdHeader' | 'requestIdLogLabel' | 'genReqId'
>

type LogControllerClass = NonNullable<FastifyServerOptions['logController']>
type LogControllerCtor = new (opts?: { requestIdLogLabel?: string }) => LogControllerClass

// Fastify 5.12 moved request logging into a LogController (the top-level options now warn as
// deprecated); older 5.x releases only know the top-level options.
const BaseLogController = (fastify as unknown as { LogController?: LogControllerCtor }).LogController

/**
 * Drops Fastify's "incoming request" and "request completed" lines, which the monitoring plugin's one
 * line per request replaces, but keeps its error lines ("request errored", stream errors).
 */
function fbiLogController(): LogControllerClass | undefined {
  if (BaseLogController === undefined) return undefined
  class FbiLogController extends BaseLogController {
    override incomingRequest(): void {}
    override requestCompleted(...args: Parameters<LogControllerClass['requestCompleted']>): void {
      if (args[0]) super.requestCompleted(...args)
    }
  }
  return new FbiLogController({ requestIdLogLabel: REQUEST_ID_LOG_LABEL })
}

/**
 * Fastify server options that only the server constructor can take: no Fastify per-request log lines
 * (the monitoring plugin writes one line per request instead) and request ids taken from a valid
 * X-Request-ID or generated, before the request's logger is made, so no logger is rebuilt per request.
 */
export function monitoringServerOptions(opts: MonitoringServerOptionsInput = {}): MonitoringServerOptions {
  const generate = opts.generateRequestId ?? true
  let next = 0
  const genReqId = (req: IncomingMessage): string => {
    const incoming = req.headers[REQUEST_ID_HEADER]
    if (isValidRequestId(incoming)) return incoming
    if (generate) return randomUUID()
    // Fastify needs some id; this one is shaped like its default so the plugin knows not to echo it.
    next = next === 2147483647 ? 0 : next + 1
    return `req-${next.toString(36)}`
  }
  const logger = fbiLoggerOptions(opts.logger)
  const logController = fbiLogController()
  if (logController !== undefined) return { ...logger, logController, requestIdHeader: false, genReqId }
  return {
    ...logger,
    disableRequestLogging: true,
    requestIdLogLabel: REQUEST_ID_LOG_LABEL,
    requestIdHeader: false,
    genReqId,
  }
}

/** Fastify's default ids look like `req-1`; any other id was made on purpose and is kept. */
function isFastifyDefaultId(id: string): boolean {
  return id.startsWith('req-')
}

/**
 * The onRequest hook that makes X-Request-ID work with or without `monitoringServerOptions`:
 * keep a valid incoming id, else keep an id a custom genReqId made, else generate one (when allowed);
 * echo it on the response. The logger is rebuilt only when the id changes.
 */
export function requestIdHook(generate: boolean): onRequestHookHandler {
  return function fbiRequestId(
    this: unknown,
    request: FastifyRequest,
    reply: FastifyReply,
    done: () => void,
  ) {
    const incoming = request.headers[REQUEST_ID_HEADER]
    let id: string
    if (isValidRequestId(incoming)) {
      // Also the fast path: with monitoringServerOptions request.id already is this id.
      id = incoming
    } else if ((request.id as unknown) !== incoming && !isFastifyDefaultId(request.id)) {
      // A genReqId made this id on purpose (monitoringServerOptions' UUID, or the user's own).
      id = request.id
    } else if (generate) {
      id = randomUUID()
    } else {
      done()
      return
    }
    if (id !== request.id) {
      request.id = id
      const log = request.server.log.child({ [REQUEST_ID_LOG_LABEL]: id }, { level: request.log.level })
      request.log = log
      reply.log = log
    }
    reply.header('x-request-id', id)
    done()
  }
}
