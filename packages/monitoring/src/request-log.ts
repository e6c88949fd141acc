import type { FastifyBaseLogger, FastifyReply, FastifyRequest } from 'fastify'
import { bodySnapshot, parsedPayload } from './body-snapshot.js'
import type { FieldRedaction } from './field-redaction.js'
import { REDACTED_WITH } from './log-redaction.js'
import { isSecretHeader, REDACTED } from './redaction.js'
import {
  everySegmentRedacted,
  redactUrl,
  type SensitiveSegments,
  sensitiveSegments,
} from './url-redaction.js'

interface LevelAware {
  isLevelEnabled?: (level: string) => boolean
}

/** Why a battery refused a request (a 4xx it answered), carried by the request's one log line. */
export interface RequestRefusal {
  /** What was wrong, for the operator: never the token, never a value the client sent. */
  readonly reason: string
  /** The error's code, when it has one (FST_ERR_VALIDATION, FBI_…). */
  readonly code?: string
}

/** The request's X- headers for the debug details, secret-looking and sensitive ones redacted. */
export function xHeaders(
  request: FastifyRequest,
  redaction: FieldRedaction,
): Record<string, string | string[] | undefined> {
  const out: Record<string, string | string[] | undefined> = {}
  const headers = request.headers
  for (const name in headers) {
    if (name.charCodeAt(0) === 120 /* x */ && name.charCodeAt(1) === 45 /* - */) {
      const hidden =
        isSecretHeader(name) || redaction.isSensitive(name) || redaction.isSensitive(name.slice(2))
      out[name] = hidden ? REDACTED : headers[name]
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
  requestContent?: unknown
  responseContent?: unknown
  requestXHeaders?: Record<string, string | string[] | undefined>
  requestQueryParams?: unknown
  requestPathParams?: unknown
  [REDACTED_WITH]: FieldRedaction
}

/** What the line of one route needs, worked out once when the route is added. */
export interface RouteLog {
  /** The route pattern (the path for unknown URLs). */
  readonly route: string
  /** Where the route's sensitive path parameters sit ('all' for an unknown URL's path), or undefined. */
  readonly segments: SensitiveSegments | 'all' | undefined
  /** Write the bodies of non-2xx responses. */
  readonly logBodies: boolean
  /** The route's deprecation as logged: the line is then a warning carrying it. */
  readonly deprecated?: Readonly<Record<string, unknown>>
}

function header(reply: FastifyReply, name: string): string | undefined {
  const value = reply.getHeader(name)
  return value === undefined ? undefined : String(value)
}

/**
 * The one log line of each request: everything known about it (status, route, timing, why it was
 * refused, that the route is deprecated, the bodies of a non-2xx answer where asked for), redacted
 * with the logger's field list before it is handed to the logger.
 */
export class RequestLog {
  readonly #errorBodies = new WeakMap<FastifyRequest, unknown>()
  readonly redaction: FieldRedaction
  /** The app's `logBodies`, for routes that do not say and for unknown URLs. */
  readonly logBodies: boolean

  constructor(redaction: FieldRedaction, logBodies: boolean) {
    this.redaction = redaction
    this.logBodies = logBodies
  }

  /** Worked out once per route (onRoute). */
  forRoute(route: string, logBodies: boolean | undefined, deprecated?: Record<string, unknown>): RouteLog {
    return Object.freeze({
      route,
      segments: sensitiveSegments(route, this.redaction),
      logBodies: logBodies ?? this.logBodies,
      ...(deprecated === undefined ? {} : { deprecated }),
    })
  }

  /**
   * For an unknown URL (no route): no route says which of its segments are data, so its path is
   * shown only where bodies are logged (outside production by default); elsewhere every segment is
   * replaced.
   */
  forUnknownUrl(path: string): RouteLog {
    if (this.logBodies) return { route: path, segments: undefined, logBodies: true }
    return { route: everySegmentRedacted(path), segments: 'all', logBodies: false }
  }

  /**
   * Called at onSend: keeps the payload of a non-2xx response for the line, when its route logs bodies
   * (as `forRoute` and `forUnknownUrl` decide it; nothing is kept in production by default).
   */
  keepBody(request: FastifyRequest, status: number, payload: unknown): void {
    if (status >= 200 && status <= 299) return
    const routeSays = (request.routeOptions.config as { logBodies?: boolean } | undefined)?.logBodies
    if (routeSays ?? this.logBodies) this.#errorBodies.set(request, payload)
  }

  /** Writes the line. */
  write(request: FastifyRequest, reply: FastifyReply, routeLog: RouteLog): void {
    const log = request.log as FastifyBaseLogger & LevelAware
    // Fastify's null logger (logger: false) has no isLevelEnabled: nothing would be written anyway.
    if (typeof log.isLevelEnabled !== 'function') return
    const level = routeLog.deprecated === undefined ? 'info' : 'warn'
    if (!log.isLevelEnabled(level)) return
    const redaction = this.redaction
    const status = reply.statusCode
    const size = reply.getHeader('content-length')
    const httpRequest: HttpRequestLog = {
      status,
      requestMethod: request.method,
      route: routeLog.route,
      requestUrl: redactUrl(request.url, routeLog.segments, redaction),
      remoteIp: request.ip,
      userAgent: request.headers['user-agent'],
      responseSize: size === undefined ? undefined : Number(size),
      latency: `${(reply.elapsedTime / 1000).toFixed(4)}s`,
      etag: header(reply, 'etag'),
      [REDACTED_WITH]: redaction,
    }
    if ((status < 200 || status > 299) && routeLog.logBodies) {
      // An HTTP error: the bodies usually say what went wrong.
      httpRequest.requestContent = bodySnapshot(request.body, redaction)
      httpRequest.responseContent = bodySnapshot(
        parsedPayload(this.#errorBodies.get(request), reply.getHeader('content-type')),
        redaction,
      )
    }
    if (log.isLevelEnabled('debug')) {
      httpRequest.requestXHeaders = xHeaders(request, redaction)
      httpRequest.requestQueryParams = redaction.redactOrReplace(request.query)
      httpRequest.requestPathParams = redaction.redactOrReplace(request.params)
    }
    const refusal = request.refusal ?? undefined
    const message = `${request.method} "${routeLog.route}" ${status}`
    if (routeLog.deprecated !== undefined) {
      log.warn({ httpRequest, refusal, deprecated: routeLog.deprecated }, message)
    } else {
      log.info({ httpRequest, refusal }, message)
    }
  }
}
