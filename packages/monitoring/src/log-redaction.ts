import type { FastifyServerOptions } from 'fastify'
import pino, { type LoggerOptions } from 'pino'
import { FieldRedaction, REDACTED_FIELDS } from './field-redaction.js'
import { invalid } from './option-checks.js'
import { REDACTED } from './redaction.js'

/**
 * Marks a log object the request log built already redacted with this FieldRedaction: the line's
 * formatter does not walk it again. A symbol key, so it is never written.
 */
export const REDACTED_WITH: unique symbol = Symbol('fbi.monitoring.redactedWith')

type Formatters = NonNullable<LoggerOptions['formatters']>
type LogFormatter = NonNullable<Formatters['log']>

// Our formatters and what they apply, so the plugin finds the redaction of the app's logger.
const formatterRedactions = new WeakMap<LogFormatter, FieldRedaction>()

/** What is written instead of a log object that could not be read (a throwing getter or proxy). */
const UNREADABLE_OBJECT = Object.freeze({ logRedaction: 'the logged object could not be read: not written' })

function checkedFields(fields: unknown): readonly string[] {
  if (fields === undefined) return []
  if (!Array.isArray(fields) || fields.some((field) => typeof field !== 'string' || field.length === 0)) {
    invalid('redactFields', 'must be an array of non-empty field names')
  }
  return fields as string[]
}

/** The built-in list plus the service's names, compiled once. */
export function compileRedaction(fields: unknown): FieldRedaction {
  return new FieldRedaction([...REDACTED_FIELDS, ...checkedFields(fields)])
}

function redactObject(redaction: FieldRedaction, object: Record<string, unknown>): Record<string, unknown> {
  let copy: Record<string, unknown> | undefined
  for (const key in object) {
    if (!Object.hasOwn(object, key)) continue
    const value = object[key]
    if (value === undefined) continue
    let written: unknown
    if (redaction.isSensitive(key)) {
      written = REDACTED
    } else if (
      typeof value === 'object' &&
      value !== null &&
      (value as { [REDACTED_WITH]?: unknown })[REDACTED_WITH] === redaction
    ) {
      written = value
    } else {
      written = redaction.redact(value)
    }
    if (written !== value) {
      copy ??= { ...object }
      copy[key] = written
    }
  }
  return copy ?? object
}

/**
 * pino's `formatters`, applying the redaction to the object of every log call (`log`) and to the
 * root logger's bindings (`bindings`, which pino applies to `base` only) before they are serialized;
 * composed after the formatters given, so redaction is the last step.
 */
export function redactingFormatters(redaction: FieldRedaction, given: Formatters = {}): Formatters {
  const givenLog = given.log
  const givenBindings = given.bindings
  const log: LogFormatter = (object) => {
    try {
      return redactObject(redaction, givenLog === undefined ? object : givenLog(object))
    } catch {
      return { ...UNREADABLE_OBJECT }
    }
  }
  formatterRedactions.set(log, redaction)
  const bindings = (base: pino.Bindings) => {
    try {
      return redactObject(
        redaction,
        (givenBindings === undefined ? base : givenBindings(base)) as Record<string, unknown>,
      )
    } catch {
      return { ...UNREADABLE_OBJECT }
    }
  }
  return { ...given, log, bindings }
}

type OnChild = NonNullable<LoggerOptions['onChild']>

// Set while @fbi/monitoring's childLoggerFactory makes a request's logger, whose only binding is the
// request id it checked: that child, one per request, is not parsed again.
let makingRequestLogger = false

/** Fastify's `childLoggerFactory` for a logger with redacting `onChild`: a request's logger, known safe. */
export const requestLoggerFactory: NonNullable<FastifyServerOptions['childLoggerFactory']> =
  function fbiRequestLogger(logger, bindings, opts) {
    makingRequestLogger = true
    try {
      return logger.child(bindings, opts)
    } finally {
      makingRequestLogger = false
    }
  }

const CHINDINGS = pino.symbols.chindingsSym
const UNREADABLE_BINDINGS = `,"logRedaction":"the bindings of this child logger could not be read: not written"`

/**
 * pino's `onChild`: a child logger's bindings (`request.log.child({ patient })`), which pino
 * serializes once into the child and no formatter sees, redacted as every line is. pino.symbols
 * exists for this ("allows logger state to be adjusted ... for performant integration"): the
 * child's serialized bindings are read back, and replaced only when something in them is sensitive.
 */
export function redactingOnChild(redaction: FieldRedaction, given: OnChild | undefined): OnChild {
  return function fbiRedactBindings(this: unknown, child) {
    if (given !== undefined) given.call(this, child)
    if (makingRequestLogger) return
    const holder = child as unknown as Record<symbol, unknown>
    const chindings = holder[CHINDINGS]
    if (typeof chindings !== 'string' || chindings.length < 2) return
    try {
      const bindings = JSON.parse(`{${chindings.slice(1)}}`) as Record<string, unknown>
      const redacted = redaction.redact(bindings)
      if (redacted !== bindings) holder[CHINDINGS] = `,${JSON.stringify(redacted).slice(1, -1)}`
    } catch {
      holder[CHINDINGS] = UNREADABLE_BINDINGS
    }
  }
}

/**
 * pino options for a logger of your own (`pino({ ...logRedaction(['nhs_number']) })`, or Fastify's
 * `logger` option): every line redacted as `monitoringServerOptions({ logger })` redacts it, the
 * built-in REDACTED_FIELDS plus `fields`. Throws FBI_MONITORING_INVALID_OPTION for a bad list.
 */
export function logRedaction(
  fields: readonly string[] = [],
): Required<Pick<LoggerOptions, 'formatters' | 'onChild'>> {
  const redaction = compileRedaction(fields)
  return { formatters: redactingFormatters(redaction), onChild: redactingOnChild(redaction, undefined) }
}

/**
 * The redaction a logger applies to every line, when it is one of ours (built by
 * `monitoringServerOptions({ logger })` or with `logRedaction`): read from the formatters pino keeps
 * under `pino.symbols.formattersSym`.
 */
export function redactionOf(logger: object): FieldRedaction | undefined {
  const formatters = (logger as Record<symbol, unknown>)[pino.symbols.formattersSym] as Formatters | undefined
  const log = formatters?.log
  return log === undefined ? undefined : formatterRedactions.get(log)
}
