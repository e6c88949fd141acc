import { STATUS_CODES } from 'node:http'
import type { Duplex } from 'node:stream'
import type { FastifyInstance } from 'fastify'

type Kind = 'timeout' | 'headerOverflow' | 'malformed'

// Node's own mapping of parser errors to statuses (http server's default clientError handling).
function statusOf(code: string | undefined): { status: number; kind: Kind } {
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') return { status: 408, kind: 'timeout' }
  if (code === 'HPE_HEADER_OVERFLOW') return { status: 431, kind: 'headerOverflow' }
  if (code === 'HPE_CHUNK_EXTENSIONS_OVERFLOW') return { status: 413, kind: 'malformed' }
  return { status: 400, kind: 'malformed' }
}

/**
 * Fastify's `clientErrorHandler`: answers a request Node could not parse, or a client too slow to
 * send one (requestTimeout, headersTimeout), in fbi's `{ code, message }` shape, then closes the
 * socket so its memory and descriptor are freed. One warn line at most per minute says how many
 * were refused and why, so a flood of slow or broken clients cannot flood the log.
 */
export function clientErrorHandler(
  intervalMs: number,
): (this: FastifyInstance, error: Error & { code?: string }, socket: Duplex) => void {
  const counts: Record<Kind, number> = { timeout: 0, headerOverflow: 0, malformed: 0 }
  let timer: NodeJS.Timeout | undefined

  function report(log: FastifyInstance['log']): void {
    const total = counts.timeout + counts.headerOverflow + counts.malformed
    if (total === 0) {
      timer = undefined
      return
    }
    const refusedClients = { ...counts }
    counts.timeout = 0
    counts.headerOverflow = 0
    counts.malformed = 0
    timer = setTimeout(report, intervalMs, log).unref()
    // Called from a server event or a timer: a logger that throws would end the process. The
    // clients are refused already; only this line is lost.
    try {
      log.warn(
        { refusedClients },
        `Closed ${total} client connection(s): ${refusedClients.timeout} too slow, ${refusedClients.headerOverflow} with oversized headers, ${refusedClients.malformed} malformed`,
      )
    } catch {}
  }

  return function fbiClientError(error, socket) {
    // A reset connection is gone already: nothing to answer, nothing worth a line.
    if (error.code === 'ECONNRESET' || socket.destroyed) return
    const { status, kind } = statusOf(error.code)
    if (socket.writable) {
      const body = JSON.stringify({ code: status, message: STATUS_CODES[status] })
      socket.write(
        `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
      )
    }
    socket.destroy()
    counts[kind]++
    // The first refusal is told at once; later ones are summed into the next line.
    if (timer === undefined) report(this.log)
  }
}
