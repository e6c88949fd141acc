import { isHttpError, ServiceUnavailable } from './http-errors.js'

/** What the error handler answers and how loudly it logs, decided from any thrown value. */
export interface ErrorDecision {
  statusCode: number
  message: string
  /** Extra response headers (Retry-After). */
  headers?: Record<string, string>
  /** 4xx are a client's doing: logged without a stack. 5xx are ours: logged at error with the stack. */
  logLevel: 'info' | 'warn' | 'error'
}

const DB_UNAVAILABLE = 'Database connection failed: Service unavailable'
const DB_BAD_CREDENTIALS = 'Database connection failed: Invalid credentials.'
const GENERIC_500 = 'Internal Server Error'

// Socket-level failures node-postgres passes through while the database is unreachable.
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'EAI_AGAIN',
])
// pg and pg-pool raise these without a code when a connection dies or cannot be had in time.
const PG_CONNECTION_MESSAGES =
  /^(Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Connection terminated due to connection timeout)/
const SQLSTATE = /^[0-9A-Z]{5}$/

interface ErrorLike {
  statusCode?: unknown
  code?: unknown
  message?: unknown
  validation?: unknown
  expose?: unknown
}

function asErrorLike(error: unknown): ErrorLike {
  return typeof error === 'object' && error !== null ? (error as ErrorLike) : {}
}

/** Maps a PostgreSQL SQLSTATE (or pg's socket error) to a response, or undefined when it is not one. */
function classifyDatabaseError(code: unknown, message: string): ErrorDecision | undefined {
  if (typeof code === 'string') {
    if (NETWORK_CODES.has(code)) return { statusCode: 503, message: DB_UNAVAILABLE, logLevel: 'error' }
    if (SQLSTATE.test(code)) {
      if (code.startsWith('08') || code.startsWith('57P') || code === '53300') {
        return { statusCode: 503, message: DB_UNAVAILABLE, logLevel: 'error' }
      }
      if (code === '28P01' || code === '28000') {
        return { statusCode: 503, message: DB_BAD_CREDENTIALS, logLevel: 'error' }
      }
      // 57014: statement timeout or cancelled query: the database is overloaded, not the client wrong.
      if (code === '57014') return { statusCode: 503, message: 'Service unavailable', logLevel: 'error' }
      if (code === '23505') return { statusCode: 409, message: 'Duplicate resource', logLevel: 'warn' }
      if (code === '23503') {
        return { statusCode: 409, message: 'Conflict with a related resource', logLevel: 'warn' }
      }
      // Class 22 (data exception: malformed uuid, out-of-range number) comes from input the client sent.
      if (code.startsWith('22')) return { statusCode: 400, message: 'Invalid input', logLevel: 'warn' }
      if (code.startsWith('42')) return { statusCode: 500, message: 'Query error', logLevel: 'error' }
      return { statusCode: 500, message: 'Query error', logLevel: 'error' }
    }
  }
  if (PG_CONNECTION_MESSAGES.test(message))
    return { statusCode: 503, message: DB_UNAVAILABLE, logLevel: 'error' }
  return undefined
}

function levelForClientError(statusCode: number): 'info' | 'warn' {
  // The seed logs bad requests and conflicts as warnings and the rest of the 4xx at info.
  return statusCode === 400 || statusCode === 409 || statusCode === 422 ? 'warn' : 'info'
}

/**
 * Decides status and client-facing message for anything thrown. `exposeServerErrors` is false in
 * production: then a 5xx we did not write ourselves says only "Internal Server Error".
 */
export function classifyError(error: unknown, exposeServerErrors: boolean): ErrorDecision {
  const e = asErrorLike(error)
  const message = typeof e.message === 'string' ? e.message : String(error)

  if (isHttpError(error)) {
    const decision: ErrorDecision = {
      statusCode: error.statusCode,
      message: error.message,
      logLevel: error.statusCode >= 500 ? 'error' : levelForClientError(error.statusCode),
    }
    if (error instanceof ServiceUnavailable && error.retryAfter !== undefined) {
      decision.headers = { 'retry-after': String(Math.max(0, Math.ceil(error.retryAfter))) }
    }
    return decision
  }

  if (e.validation !== undefined) return { statusCode: 400, message, logLevel: 'warn' }

  const database = classifyDatabaseError(e.code, message)
  if (database) return database

  const statusCode = e.statusCode
  if (
    typeof statusCode === 'number' &&
    Number.isInteger(statusCode) &&
    statusCode >= 400 &&
    statusCode < 600
  ) {
    if (statusCode < 500) return { statusCode, message, logLevel: levelForClientError(statusCode) }
    return { statusCode, message: exposeServerErrors ? message : GENERIC_500, logLevel: 'error' }
  }
  return { statusCode: 500, message: exposeServerErrors ? message : GENERIC_500, logLevel: 'error' }
}
