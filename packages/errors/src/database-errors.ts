/** How a database failure is answered: status, client-facing message, log level. */
export interface DatabaseAnswer {
  readonly statusCode: number
  readonly message: string
  readonly logLevel: 'warn' | 'error'
}

export const DB_UNAVAILABLE = 'Database connection failed: Service unavailable'

const UNAVAILABLE: DatabaseAnswer = { statusCode: 503, message: DB_UNAVAILABLE, logLevel: 'error' }
const BAD_CREDENTIALS: DatabaseAnswer = {
  statusCode: 503,
  message: 'Database connection failed: Invalid credentials.',
  logLevel: 'error',
}
const STATEMENT_CANCELLED: DatabaseAnswer = {
  statusCode: 503,
  message: 'Service unavailable',
  logLevel: 'error',
}
const DUPLICATE: DatabaseAnswer = { statusCode: 409, message: 'Duplicate resource', logLevel: 'warn' }
const FOREIGN_KEY: DatabaseAnswer = {
  statusCode: 409,
  message: 'Conflict with a related resource',
  logLevel: 'warn',
}
const INVALID_INPUT: DatabaseAnswer = { statusCode: 400, message: 'Invalid input', logLevel: 'warn' }
const QUERY_ERROR: DatabaseAnswer = { statusCode: 500, message: 'Query error', logLevel: 'error' }
const UNHANDLED: DatabaseAnswer = { statusCode: 500, message: 'Internal Server Error', logLevel: 'error' }

/** Socket-level failures node-postgres passes through while the database is unreachable. */
export const NETWORK_ERROR_CODES: readonly string[] = Object.freeze([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'EAI_AGAIN',
])
const networkCodes: ReadonlySet<string> = new Set(NETWORK_ERROR_CODES)

/**
 * The errors node-postgres (pg 8) and pg-pool raise WITHOUT a SQLSTATE when the database did not
 * answer: a connection that died or was never had in time, a query past `query_timeout`. Matched
 * exactly (they are plain `Error`s with no code, so the text is all there is), so an application
 * error that merely starts like one is not taken for an outage.
 */
export const PG_UNAVAILABLE_MESSAGES: readonly string[] = Object.freeze([
  'Connection terminated',
  'Connection terminated unexpectedly',
  'Connection terminated due to connection timeout',
  'timeout exceeded when trying to connect',
  'timeout expired',
  'Query read timeout',
  'Client was closed and is not queryable',
  'Client has encountered a connection error and is not queryable',
])
const unavailableMessages: ReadonlySet<string> = new Set(PG_UNAVAILABLE_MESSAGES)

const SQLSTATE = /^[0-9A-Z]{5}$/

/**
 * fbi's own reading of a SQLSTATE. Transient failures are 503 so that clients retry: the server
 * gone or refusing (08, 57P0x), out of resources (53), a transaction rolled back for concurrency
 * (40: serialization failure, deadlock) and a lock not available (55P03), all answered as the
 * original answered psycopg2's OperationalError.
 */
function fbiAnswer(code: string): DatabaseAnswer {
  if (code.startsWith('08') || code.startsWith('57P') || code.startsWith('53') || code.startsWith('40')) {
    return UNAVAILABLE
  }
  if (code === '55P03') return UNAVAILABLE
  if (code === '28P01' || code === '28000') return BAD_CREDENTIALS
  // 57014: statement timeout or cancelled query: the database is overloaded, not the client wrong.
  if (code === '57014') return STATEMENT_CANCELLED
  if (code === '23505') return DUPLICATE
  if (code === '23503') return FOREIGN_KEY
  // Class 22 (data exception: malformed uuid, out-of-range number) comes from input the client sent.
  if (code.startsWith('22')) return INVALID_INPUT
  return QUERY_ERROR
}

// psycopg2 raises OperationalError for these SQLSTATE classes and ProgrammingError for those; the
// original answered the first 503, the second 500 "Query error", and left every other database error
// (IntegrityError, DataError, InternalError...) to Flask's generic 500 page.
const PSYCOPG2_OPERATIONAL = new Set(['08', '26', '27', '28', '34', '40', '53', '54', '55', '57', '58', 'HV'])
const PSYCOPG2_PROGRAMMING = new Set(['20', '21', '3D', '3F', '42', '44'])

/** The original's reading of a SQLSTATE (compat: 'flask'). */
function flaskAnswer(code: string): DatabaseAnswer {
  const category = code.slice(0, 2)
  if (PSYCOPG2_OPERATIONAL.has(category)) return UNAVAILABLE
  if (PSYCOPG2_PROGRAMMING.has(category)) return QUERY_ERROR
  return UNHANDLED
}

/**
 * Maps a PostgreSQL error (a SQLSTATE `code`), a socket error node-postgres passes through, or one
 * of pg's own "the database did not answer" errors to an answer; undefined when it is none of them.
 */
export function classifyDatabaseError(
  code: unknown,
  message: unknown,
  flask: boolean,
): DatabaseAnswer | undefined {
  if (typeof code === 'string') {
    if (networkCodes.has(code)) return UNAVAILABLE
    if (SQLSTATE.test(code)) return flask ? flaskAnswer(code) : fbiAnswer(code)
  }
  if (typeof message === 'string' && unavailableMessages.has(message)) return UNAVAILABLE
  return undefined
}
