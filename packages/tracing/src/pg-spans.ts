import { context, type Span, SpanKind, SpanStatusCode, type Tracer } from '@opentelemetry/api'
import {
  ATTR_DB_NAMESPACE,
  ATTR_DB_OPERATION_NAME,
  ATTR_DB_QUERY_TEXT,
  ATTR_DB_RESPONSE_STATUS_CODE,
  ATTR_DB_SYSTEM_NAME,
  ATTR_ERROR_TYPE,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  DB_SYSTEM_NAME_VALUE_POSTGRESQL,
} from '@opentelemetry/semantic-conventions'
import type pg from 'pg'
import { operationName, sanitizeQueryText } from './query-text.js'

/*
 * Why not @opentelemetry/instrumentation-pg: it patches `pg` when the module is loaded, so it must be
 * enabled before anything imports `pg` (we checked on Node 20 and 24: enabled first it records
 * spans, even for an ESM import; enabled after the import it records nothing). An fbi service
 * imports `pg` with @fbi/db, before any plugin runs, so that instrumentation works only from a
 * process-level preload (`node --import`). These classes are the equivalent made through public
 * doors: pg's own `Client` pool option and @fastify/postgres' `pg` option, with the same
 * semantic-convention attributes and span names.
 */

// biome-ignore lint/suspicious/noExplicitAny: pg's query and connect have many overloads; one rest signature stands for them all
type AnyArgs = any[]
type Callback = (error: unknown, result?: unknown) => void

/** pg's connection settings a client span names (never the user or the password). */
interface ClientTarget {
  database?: string
  host?: string
  port?: number
}

function errorCode(error: unknown): string {
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined
  if (typeof code === 'string' && code.length > 0) return code
  return error instanceof Error ? error.name : 'Error'
}

/**
 * Ends a query span with the outcome. A PostgreSQL error message can quote the values it refused
 * (`invalid input syntax for type uuid: "..."`), so only its SQLSTATE is recorded, never the text.
 */
function endQuery(span: Span, error: unknown): void {
  if (error !== undefined && error !== null) {
    const code = errorCode(error)
    span.setAttributes({ [ATTR_ERROR_TYPE]: code, [ATTR_DB_RESPONSE_STATUS_CODE]: code })
    span.setStatus({ code: SpanStatusCode.ERROR, message: `PostgreSQL error ${code}` })
  }
  span.end()
}

function startQuery(tracer: Tracer, own: (span: Span) => void, target: ClientTarget, text: unknown): Span {
  const operation = typeof text === 'string' ? operationName(text) : undefined
  const database = target.database
  const span = tracer.startSpan(
    `pg.query:${operation ?? 'UNKNOWN'}${database ? ` ${database}` : ''}`,
    {
      kind: SpanKind.CLIENT,
      attributes: {
        [ATTR_DB_SYSTEM_NAME]: DB_SYSTEM_NAME_VALUE_POSTGRESQL,
        [ATTR_DB_NAMESPACE]: database,
        [ATTR_SERVER_ADDRESS]: target.host,
        [ATTR_SERVER_PORT]: target.port,
        [ATTR_DB_OPERATION_NAME]: operation,
        [ATTR_DB_QUERY_TEXT]: typeof text === 'string' ? sanitizeQueryText(text) : undefined,
      },
    },
    context.active(),
  )
  own(span)
  return span
}

/** A pg module: the one thing @fbi/db hands to `app.tracing.tracePg`, checked before it is wrapped. */
export function isPgModule(value: unknown): value is typeof pg {
  if (typeof value !== 'object' || value === null) return false
  const { Pool, Client } = value as { Pool?: unknown; Client?: unknown }
  return typeof Pool === 'function' && typeof Client === 'function'
}

/**
 * A pg module for @fastify/postgres' `pg` option: its Pool binds each waiting caller's callback to
 * the caller's context (pg-pool hands a freed connection to the next caller from inside whoever
 * released it, so the query would otherwise join the releasing request's trace), and its clients
 * make a CLIENT span per query. Cursors and streams (submittables) run untraced.
 */
export function tracedPg(module: typeof pg, tracer: Tracer, own: (span: Span) => void): typeof pg {
  class TracedClient extends module.Client {
    override query(...args: AnyArgs): AnyArgs[number] {
      const [config] = args
      if (config === null || config === undefined || typeof config.submit === 'function') {
        return super.query(...(args as [string]))
      }
      const span = startQuery(tracer, own, this, typeof config === 'string' ? config : config.text)
      const last = args.length > 1 ? args[args.length - 1] : undefined
      if (typeof last === 'function') {
        const callback = last as Callback
        args[args.length - 1] = (error: unknown, result?: unknown) => {
          endQuery(span, error)
          callback(error, result)
        }
      } else if (typeof config === 'object' && typeof config.callback === 'function') {
        const callback = config.callback as Callback
        args[0] = {
          ...config,
          callback: (error: unknown, result?: unknown) => {
            endQuery(span, error)
            callback(error, result)
          },
        }
      }
      let result: unknown
      try {
        result = super.query(...(args as [string]))
      } catch (error) {
        endQuery(span, error)
        throw error
      }
      if (result instanceof Promise) {
        return result.then(
          (value: unknown) => {
            endQuery(span, undefined)
            return value
          },
          (error: unknown) => {
            endQuery(span, error)
            throw error
          },
        )
      }
      return result
    }
  }

  class TracedPool extends module.Pool {
    constructor(options?: pg.PoolConfig) {
      super({ ...options, Client: options?.Client ?? TracedClient })
    }
    override connect(...args: AnyArgs): AnyArgs[number] {
      const [callback] = args
      if (typeof callback === 'function') return super.connect(context.bind(context.active(), callback))
      return super.connect()
    }
  }

  // @fastify/postgres documents `pg` as "your own pg module"; this is pg with the two classes replaced.
  return { ...module, Client: TracedClient, Pool: TracedPool }
}
