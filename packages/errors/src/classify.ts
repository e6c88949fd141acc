import { STATUS_CODES } from 'node:http'
import { classifyDatabaseError } from './database-errors.js'
import { flaskMessage } from './flask-answers.js'
import { isHttpError, ServiceUnavailable } from './http-errors.js'
import type { ErrorsCompat } from './options.js'

/** What the error handler answers and how loudly it logs, decided from any thrown value. */
export interface ErrorDecision {
  statusCode: number
  message: string
  /** Extra response headers (Retry-After). */
  headers?: Record<string, string>
  /** 4xx are a client's doing: logged without a stack. 5xx are ours: logged at error with the stack. */
  logLevel: 'info' | 'warn' | 'error'
}

const GENERIC_500 = 'Internal Server Error'

interface ErrorLike {
  statusCode?: unknown
  code?: unknown
  message?: unknown
  validation?: unknown
}

function levelForClientError(statusCode: number): 'info' | 'warn' {
  // The seed logs bad requests and conflicts as warnings and the rest of the 4xx at info.
  return statusCode === 400 || statusCode === 409 || statusCode === 422 ? 'warn' : 'info'
}

function isErrorStatus(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 400 && value < 600
}

/** A 5xx's client message: only a real Error's own message, and only when asked to show it. */
function serverMessage(error: unknown, message: unknown, expose: boolean): string {
  return expose && error instanceof Error && typeof message === 'string' ? message : GENERIC_500
}

function decide(error: unknown, exposeServerErrors: boolean, flask: boolean): ErrorDecision {
  if (isHttpError(error)) {
    const decision: ErrorDecision = {
      statusCode: error.statusCode,
      message: flask ? flaskMessage(error) : error.message,
      logLevel: error.statusCode >= 500 ? 'error' : levelForClientError(error.statusCode),
    }
    if (error instanceof ServiceUnavailable && error.retryAfter !== undefined) {
      decision.headers = { 'retry-after': String(Math.max(0, Math.ceil(error.retryAfter))) }
    }
    return decision
  }
  // A thrown primitive, function or symbol says nothing a client may read: a plain 500.
  if (typeof error !== 'object' || error === null) {
    return { statusCode: 500, message: GENERIC_500, logLevel: 'error' }
  }

  const { statusCode, code, message, validation } = error as ErrorLike
  if (validation !== undefined) {
    return {
      statusCode: 400,
      message: typeof message === 'string' ? message : 'Bad Request',
      logLevel: 'warn',
    }
  }

  const database = classifyDatabaseError(code, message, flask)
  if (database) return { ...database }

  // The original answered Python's TypeError 400 (its schema helpers raised it for a wrong type).
  // In JavaScript a TypeError is as often our own bug: logged with its stack, and its text shown
  // only where server errors are.
  if (flask && error instanceof TypeError) {
    const text = exposeServerErrors && typeof message === 'string' ? message : 'Bad Request'
    return { statusCode: 400, message: text, logLevel: 'error' }
  }

  if (isErrorStatus(statusCode)) {
    if (statusCode < 500) {
      const text = typeof message === 'string' ? message : (STATUS_CODES[statusCode] ?? 'Error')
      return { statusCode, message: text, logLevel: levelForClientError(statusCode) }
    }
    return { statusCode, message: serverMessage(error, message, exposeServerErrors), logLevel: 'error' }
  }
  return { statusCode: 500, message: serverMessage(error, message, exposeServerErrors), logLevel: 'error' }
}

/**
 * Decides status and client-facing message for anything thrown, whatever its value: undefined,
 * null, a string, an object without a message or one whose getters throw all get a 500 with the
 * generic message. `exposeServerErrors` is false in production: then a 5xx we did not write
 * ourselves says only "Internal Server Error". `compat: 'flask'` answers as the original did.
 */
export function classifyError(
  error: unknown,
  exposeServerErrors: boolean,
  compat: ErrorsCompat | null = null,
): ErrorDecision {
  try {
    return decide(error, exposeServerErrors, compat === 'flask')
  } catch {
    // A getter or proxy trap of the thrown value threw: nothing of it can be trusted.
    return { statusCode: 500, message: GENERIC_500, logLevel: 'error' }
  }
}
