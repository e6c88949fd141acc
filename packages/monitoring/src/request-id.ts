import { randomUUID } from 'node:crypto'
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http'
import type { FastifyReply, FastifyRequest, onRequestHookHandler } from 'fastify'
import { asError } from './errors.js'

/** The header that carries the request id in and out. Node lowercases incoming header names. */
export const REQUEST_ID_HEADER = 'x-request-id'
/** The log binding that carries the request id; Fastify's own default, so both paths agree. */
export const REQUEST_ID_LOG_LABEL = 'reqId' as const
/** Longest incoming id we keep: long enough for any UUID, trace id or ULID, short enough for a log. */
export const MAX_REQUEST_ID_LENGTH = 128
/** Longest incoming id kept with `compat: 'flask'`, where the original kept any id. */
export const MAX_COMPAT_REQUEST_ID_LENGTH = 1024

// Letters, digits and the punctuation ids are made of (UUIDs, ULIDs, base64, trace ids). No spaces,
// no control characters, nothing that could forge a log line or a header.
const SAFE_REQUEST_ID = /^[A-Za-z0-9._:+=@/-]+$/
// compat: any printable ASCII, spaces included (the original echoed whatever came in).
const PRINTABLE = /^[\x20-\x7e]+$/

/** True when an incoming request id is safe to keep, log and echo. */
export function isValidRequestId(value: unknown): value is string {
  return (
    typeof value === 'string' &&
    value.length > 0 &&
    value.length <= MAX_REQUEST_ID_LENGTH &&
    SAFE_REQUEST_ID.test(value)
  )
}

/** The looser rule of `compat: 'flask'`: printable ASCII, up to 1024 characters. */
export function isCompatRequestId(value: unknown): value is string {
  return (
    typeof value === 'string' &&
    value.length > 0 &&
    value.length <= MAX_COMPAT_REQUEST_ID_LENGTH &&
    PRINTABLE.test(value)
  )
}

export type RequestIdRule = (value: unknown) => value is string

// The part of an X-Amzn-Trace-Id ("Root=1-5759e988-bd86…;Self=1-…;Sampled=1") that names this hop.
function amznTraceId(header: unknown, accept: RequestIdRule): string | undefined {
  if (typeof header !== 'string') return undefined
  let root: string | undefined
  for (const part of header.split(';')) {
    const equals = part.indexOf('=')
    const key = part.slice(0, equals).trim()
    const value = part.slice(equals + 1).trim()
    if (equals === -1 || !accept(value)) continue
    if (key === 'Self') return value
    if (key === 'Root') root = value
  }
  return root
}

/**
 * The request id a request brings, as the original (flask-log-request-id) read it: X-Request-ID,
 * else X-Correlation-ID, else the Self (or Root) part of X-Amzn-Trace-Id; each only if `accept` says so.
 */
export function incomingRequestId(headers: IncomingHttpHeaders, accept: RequestIdRule): string | undefined {
  const requestId = headers[REQUEST_ID_HEADER]
  if (accept(requestId)) return requestId
  const correlationId = headers['x-correlation-id']
  if (accept(correlationId)) return correlationId
  return amznTraceId(headers['x-amzn-trace-id'], accept)
}

/**
 * Fastify's `genReqId`: the incoming id, else a UUID (when allowed), else an id shaped like Fastify's
 * own default, which the plugin knows not to echo.
 */
export function requestIdGenerator(generate: boolean): (req: IncomingMessage) => string {
  let next = 0
  return (req) => {
    const incoming = incomingRequestId(req.headers, isValidRequestId)
    if (incoming !== undefined) return incoming
    if (generate) return randomUUID()
    next = next === 2147483647 ? 0 : next + 1
    return `req-${next.toString(36)}`
  }
}

export interface RequestIds {
  /** The id a request should carry (adopting an incoming one, or generating one) and echo, or undefined. */
  resolve(request: FastifyRequest): string | undefined
  /** Makes `id` the request's id, with a logger bound to it. */
  adopt(request: FastifyRequest, reply: FastifyReply, id: string): void
}

/**
 * How the plugin picks a request's id, with or without `monitoringServerOptions`. `idHeader` is
 * Fastify's own `requestIdHeader`: an id Fastify took from it unchecked is not kept.
 */
export function requestIds(accept: RequestIdRule, generate: boolean, idHeader: string | false): RequestIds {
  return {
    resolve(request) {
      const incoming = incomingRequestId(request.headers, accept)
      if (incoming !== undefined) return incoming
      const id = request.id
      // Fastify's default ids look like `req-1`; any other id a genReqId made on purpose is kept, and
      // one Fastify took from its requestIdHeader only if it passes the same check.
      const fromIdHeader = idHeader !== false && id === request.headers[idHeader]
      if (!id.startsWith('req-') && (!fromIdHeader || accept(id))) return id
      return generate ? randomUUID() : undefined
    },
    adopt(request, reply, id) {
      if (id === request.id) return
      request.id = id
      // The logger is rebuilt only when the id changes (never with monitoringServerOptions).
      const log = request.server.log.child({ [REQUEST_ID_LOG_LABEL]: id }, { level: request.log.level })
      request.log = log
      reply.log = log
    },
  }
}

/** Sets the request's id and echoes it; with `monitoringServerOptions` the id is already right. */
export function echoRequestId(ids: RequestIds, request: FastifyRequest, reply: FastifyReply): void {
  const id = ids.resolve(request)
  if (id === undefined) return
  // The header first: if the logger cannot be rebuilt, the error answer still carries the id (and
  // the onSend hook, seeing it, does not try again).
  reply.header(REQUEST_ID_HEADER, id)
  ids.adopt(request, reply, id)
}

/** The onRequest hook: the id is known before any handler or later hook logs. */
export function requestIdHook(ids: RequestIds): onRequestHookHandler {
  return function fbiRequestId(request, reply, done) {
    try {
      echoRequestId(ids, request, reply)
    } catch (error) {
      done(asError(error, 'The request id hook (a custom logger)'))
      return
    }
    done()
  }
}
