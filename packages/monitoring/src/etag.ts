import { hash } from 'node:crypto'
import type { FastifyReply, onSendHookHandler } from 'fastify'

/** The `etag` option's object form. */
export interface FbiEtagOptions {
  /** A hash algorithm Node's crypto knows; the tag is the base64 digest of the body. Default: "sha1". */
  algorithm?: string
  /** Send weak tags (`W/"…"`). Default: false. */
  weak?: boolean
}

/**
 * True when an If-None-Match value matches `etag` (RFC 9110 §13.1.2): `*`, or a comma-separated list
 * of entity tags compared weakly (`W/"x"` matches `"x"`). A malformed list matches nothing from the
 * point where it breaks. Written here because @fastify/etag compares the whole header as one tag.
 */
export function ifNoneMatchMatches(header: string, etag: string): boolean {
  if (header.trim() === '*') return true
  const opaque = etag.startsWith('W/') ? etag.slice(2) : etag
  let i = 0
  while (i < header.length) {
    const c = header.charCodeAt(i)
    if (c === 0x20 || c === 0x09 || c === 0x2c /* , */) {
      i++
      continue
    }
    const start = header.startsWith('W/', i) ? i + 2 : i
    if (header.charCodeAt(start) !== 0x22 /* " */) return false
    const end = header.indexOf('"', start + 1)
    if (end === -1) return false
    if (header.slice(start, end + 1) === opaque) return true
    i = end + 1
  }
  return false
}

// What a 304 leaves out (RFC 9110 §15.4.5): metadata of a body it does not carry.
const BODY_HEADERS = ['content-type', 'content-length', 'content-encoding', 'content-language'] as const

function notModified(reply: FastifyReply): void {
  reply.code(304)
  for (const name of BODY_HEADERS) reply.removeHeader(name)
}

/**
 * The onSend hook of GET and HEAD routes: tags 2xx string and Buffer bodies (unless the route set its
 * own ETag) and answers 304 when If-None-Match matches. Other statuses, streams and empty payloads are
 * left alone. `everyResponse` (compat: 'flask') tags every method and status, and an empty answer,
 * as the original did; a 304 still needs a GET or HEAD with a 2xx, as RFC 9110 §13.2.1 asks.
 */
export function etagOnSend(opts: Required<FbiEtagOptions>, everyResponse = false): onSendHookHandler {
  const { algorithm, weak } = opts
  const prefix = weak ? 'W/"' : '"'
  return function fbiEtag(request, reply, payload, done) {
    const status = reply.statusCode
    const success = status >= 200 && status <= 299
    if (!success && !everyResponse) {
      done(null, payload)
      return
    }
    let etag = reply.getHeader('etag')
    if (etag === undefined) {
      // Werkzeug hashed every body, an empty one too (the 200 to OPTIONS): in compat an answer
      // without a payload is tagged as the empty body.
      const body = payload === undefined || payload === null ? (everyResponse ? '' : undefined) : payload
      if (typeof body !== 'string' && !Buffer.isBuffer(body)) {
        done(null, payload)
        return
      }
      etag = `${prefix}${hash(algorithm, body, 'base64')}"`
      reply.header('etag', etag)
    }
    const ifNoneMatch = request.headers['if-none-match']
    const conditional = success && (request.method === 'GET' || request.method === 'HEAD')
    if (conditional && ifNoneMatch !== undefined && ifNoneMatchMatches(ifNoneMatch, String(etag))) {
      notModified(reply)
      // HEAD: the body goes on to Fastify's HEAD hook, which turns it into the Content-Length a 200
      // would have had (allowed in a 304) and sends nothing. GET: no body, so no Content-Length.
      done(null, request.method === 'HEAD' ? payload : null)
      return
    }
    done(null, payload)
  } as onSendHookHandler
}
