import type { FastifyBaseLogger, FastifyReply, FastifyRequest } from 'fastify'
import { isSecretHeader, REDACTED } from './redaction.js'

interface LevelAware {
  isLevelEnabled?: (level: string) => boolean
}

/** Bodies of failed requests are logged up to this many characters. */
export const CLIP_AT = 5000
const CLIPPED = ' [clipped]'

/** Cuts text at 5000 characters and marks the cut, as the seed does. */
export function clip(text: string): string {
  return text.length > CLIP_AT ? text.slice(0, CLIP_AT) + CLIPPED : text
}

/** A request or response body as loggable text: strings and buffers as they are, objects as JSON. */
export function bodyText(body: unknown): string {
  if (body === undefined || body === null) return ''
  if (typeof body === 'string') return clip(body)
  if (Buffer.isBuffer(body)) return clip(body.toString('utf8', 0, CLIP_AT + 1))
  if (typeof body === 'object' && typeof (body as { pipe?: unknown }).pipe === 'function') return '[stream]'
  try {
    return clip(JSON.stringify(body) ?? '')
  } catch {
    return '[unserializable]'
  }
}

/** The request's X- headers for the debug details, secret-looking ones redacted. */
export function xHeaders(request: FastifyRequest): Record<string, string | string[] | undefined> {
  const out: Record<string, string | string[] | undefined> = {}
  const headers = request.headers
  for (const name in headers) {
    if (name.charCodeAt(0) === 120 /* x */ && name.charCodeAt(1) === 45 /* - */) {
      out[name] = isSecretHeader(name) ? REDACTED : headers[name]
    }
  }
  return out
}

/** What one request's log line carries (the seed's `httpRequest`, Google Cloud Logging's field names). */
export interface HttpRequestLog {
  status: number
  requestMethod: string
  route: string
  requestUrl: string
  remoteIp: string
  userAgent: string | undefined
  responseSize: number | undefined
  latency: string
  etag: string | undefined
  requestContent?: string
  responseContent?: string
  requestXHeaders?: Record<string, string | string[] | undefined>
  requestQueryParams?: unknown
  requestPathParams?: unknown
}

function header(reply: FastifyReply, name: string): string | undefined {
  const value = reply.getHeader(name)
  return value === undefined ? undefined : String(value)
}

/** The one info line of each request, with the bodies of non-2xx responses kept from onSend. */
export class RequestLog {
  readonly #errorBodies = new WeakMap<FastifyRequest, unknown>()

  /** Called at onSend: keeps the payload of a non-2xx response for the line. */
  keepBody(request: FastifyRequest, status: number, payload: unknown): void {
    if (status < 200 || status > 299) this.#errorBodies.set(request, payload)
  }

  /** Writes the line. `route` is the route pattern (the path for unknown URLs). */
  write(request: FastifyRequest, reply: FastifyReply, route: string): void {
    writeLine(request, reply, route, this.#errorBodies.get(request))
  }
}

function writeLine(request: FastifyRequest, reply: FastifyReply, route: string, errorBody: unknown): void {
  const log = request.log as FastifyBaseLogger & LevelAware
  // Fastify's null logger (logger: false) has no isLevelEnabled: nothing would be written anyway.
  if (typeof log.isLevelEnabled !== 'function' || !log.isLevelEnabled('info')) return
  const status = reply.statusCode
  const size = reply.getHeader('content-length')
  const httpRequest: HttpRequestLog = {
    status,
    requestMethod: request.method,
    route,
    requestUrl: request.url,
    remoteIp: request.ip,
    userAgent: request.headers['user-agent'],
    responseSize: size === undefined ? undefined : Number(size),
    latency: `${(reply.elapsedTime / 1000).toFixed(4)}s`,
    etag: header(reply, 'etag'),
  }
  if (status < 200 || status > 299) {
    // An HTTP error: the bodies usually say what went wrong.
    httpRequest.requestContent = bodyText(request.body)
    httpRequest.responseContent = bodyText(errorBody)
  }
  if (log.isLevelEnabled('debug')) {
    httpRequest.requestXHeaders = xHeaders(request)
    httpRequest.requestQueryParams = request.query
    httpRequest.requestPathParams = request.params
  }
  log.info({ httpRequest }, `${request.method} "${route}" ${status}`)
}
