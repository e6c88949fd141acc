import { randomUUID } from 'node:crypto'
import type { IncomingMessage } from 'node:http'
import type { FastifyReply, FastifyRequest, onRequestHookHandler } from 'fastify'

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

/**
 * Fastify's `genReqId`: a valid incoming X-Request-ID, else a UUID (when allowed), else an id shaped
 * like Fastify's own default, so the plugin knows not to echo it.
 */
export function requestIdGenerator(generate: boolean): (req: IncomingMessage) => string {
  let next = 0
  return (req) => {
    const incoming = req.headers[REQUEST_ID_HEADER]
    if (isValidRequestId(incoming)) return incoming
    if (generate) return randomUUID()
    next = next === 2147483647 ? 0 : next + 1
    return `req-${next.toString(36)}`
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
    reply.header(REQUEST_ID_HEADER, id)
    done()
  }
}
