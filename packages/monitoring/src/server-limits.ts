import type { Server } from 'node:http'
import type { FastifyHttpOptions } from 'fastify'
import { clientErrorHandler } from './client-errors.js'
import { integerOption, invalid } from './option-checks.js'

/** Server timeouts and limits; the monitoring README gives the reason for each default. */
export interface ServerLimits {
  /** Milliseconds a client has to send a whole request, body included (Node's requestTimeout). Default: 30000. */
  requestTimeout?: number
  /** Milliseconds a client has to send the request line and headers; below requestTimeout. Default: 10000. */
  headersTimeout?: number
  /** Milliseconds an idle keep-alive connection stays open; above load balancers' idle timeouts. Default: 72000. */
  keepAliveTimeout?: number
  /** How often Node checks requests against the two timeouts, in milliseconds. Default: 1000. */
  connectionsCheckingInterval?: number
  /** Largest request line plus headers, in bytes; larger is answered 431. Default: 16384. */
  maxHeaderSize?: number
  /** Largest request body, in bytes; larger is answered 413. Default: 1048576 (Fastify's). */
  bodyLimit?: number
  /** Requests one keep-alive connection may carry before it is closed; 0 for no limit. Default: 0. */
  maxRequestsPerSocket?: number
  /** At most one log line per this many milliseconds counts the clients cut off or refused. Default: 60000. */
  clientErrorLogIntervalMs?: number
}

export const SERVER_LIMITS = Object.freeze({
  requestTimeout: 30_000,
  headersTimeout: 10_000,
  keepAliveTimeout: 72_000,
  connectionsCheckingInterval: 1000,
  maxHeaderSize: 16_384,
  bodyLimit: 1_048_576,
  maxRequestsPerSocket: 0,
  clientErrorLogIntervalMs: 60_000,
} satisfies Required<ServerLimits>)

export type ServerLimitOptions = Pick<
  FastifyHttpOptions<Server>,
  'requestTimeout' | 'keepAliveTimeout' | 'bodyLimit' | 'maxRequestsPerSocket' | 'http' | 'clientErrorHandler'
>

function limit(input: ServerLimits, name: keyof ServerLimits, min: number): number {
  return integerOption(name, input[name], SERVER_LIMITS[name], min)
}

/**
 * The Fastify and Node server options that cut slow clients off and bound what a request may hold.
 * The Node ones go in `http` (Fastify passes it to http.createServer; with `https` or `http2` put
 * them in those options yourself).
 */
export function serverLimits(input: ServerLimits): ServerLimitOptions {
  const requestTimeout = limit(input, 'requestTimeout', 1)
  const headersTimeout = limit(input, 'headersTimeout', 1)
  if (headersTimeout >= requestTimeout) {
    invalid('headersTimeout', `must be below requestTimeout (${requestTimeout})`)
  }
  return {
    requestTimeout,
    keepAliveTimeout: limit(input, 'keepAliveTimeout', 1),
    bodyLimit: limit(input, 'bodyLimit', 1),
    maxRequestsPerSocket: limit(input, 'maxRequestsPerSocket', 0),
    http: {
      requestTimeout,
      headersTimeout,
      connectionsCheckingInterval: limit(input, 'connectionsCheckingInterval', 1),
      maxHeaderSize: limit(input, 'maxHeaderSize', 1),
    },
    clientErrorHandler: clientErrorHandler(limit(input, 'clientErrorLogIntervalMs', 1)),
  }
}
