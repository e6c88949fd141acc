import { createHash, timingSafeEqual } from 'node:crypto'
import type { IncomingMessage } from 'node:http'
import type { FastifyReply, FastifyRequest, onRequestHookHandler } from 'fastify'
import type { ResolvedAdminOptions } from './admin-options.js'

/**
 * How the admin routes are guarded, shared with the batteries that add admin routes of their own
 * (@fbi/schema's /docs runs `onRequest` from its routes' hooks) and read by @fbi/security's
 * protection report (`description`). Decorated as `app.adminGuard`.
 */
export interface AdminGuard {
  /** The route hook of an admin route: 404 off the admin port (when there is one), 401 without the token (when one is set). */
  readonly onRequest: onRequestHookHandler
  /** What guards the admin routes, for the protection report; null when nothing does. */
  readonly description: string | null
  /** True when the request passed the guard that is set (and one is): it may see the health checks' results. */
  authenticated(request: FastifyRequest): boolean
  /** True when the request came in on the admin listener. */
  viaAdminListener(raw: IncomingMessage): boolean
  /** Marks a request the admin listener received (admin-listener.ts). */
  markAdminRequest(raw: IncomingMessage): void
}

const UNAUTHORIZED_BODY = '{"code":401,"message":"Unauthorized"}'

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest()
}

/** The bearer token of an Authorization header, the scheme matched case-insensitively (RFC 7235 §2.1). */
function bearerOf(header: string | undefined): string | undefined {
  if (header === undefined || header.length < 8 || header.charCodeAt(6) !== 32) return undefined
  if (header.slice(0, 6).toLowerCase() !== 'bearer') return undefined
  return header.slice(7)
}

export function createAdminGuard(options: ResolvedAdminOptions): AdminGuard {
  const { port, token } = options
  const adminRequests = new WeakSet<IncomingMessage>()
  // Both sides hashed to one length, so the comparison takes the same time whatever was sent.
  const expected = token === undefined ? undefined : digest(token)

  function tokenMatches(request: FastifyRequest): boolean {
    if (expected === undefined) return true
    const given = bearerOf(request.headers.authorization)
    return given !== undefined && timingSafeEqual(digest(given), expected)
  }

  const onPort = (request: FastifyRequest) => port === undefined || adminRequests.has(request.raw)

  const descriptions = [
    ...(port === undefined ? [] : [`admin port ${port === 0 ? '(a free one)' : port} only`]),
    ...(token === undefined ? [] : ['the admin bearer token']),
  ]

  function refuse(reply: FastifyReply): void {
    reply
      .code(401)
      .header('www-authenticate', 'Bearer')
      .header('content-type', 'application/json; charset=utf-8')
      .send(UNAUTHORIZED_BODY)
  }

  return Object.freeze({
    description: descriptions.length === 0 ? null : descriptions.join(' and '),
    onRequest: function fbiAdminGuard(request, reply, done) {
      // Off the admin port an admin route does not exist: the app's own 404, as for any unknown URL.
      if (!onPort(request)) {
        reply.callNotFound()
        return
      }
      if (!tokenMatches(request)) {
        refuse(reply)
        return
      }
      done()
    } as onRequestHookHandler,
    authenticated(request: FastifyRequest): boolean {
      return descriptions.length > 0 && onPort(request) && tokenMatches(request)
    },
    viaAdminListener(raw: IncomingMessage): boolean {
      return adminRequests.has(raw)
    },
    markAdminRequest(raw: IncomingMessage): void {
      adminRequests.add(raw)
    },
  })
}
