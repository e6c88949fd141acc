import { type FieldRedaction, isDataRecord } from './field-redaction.js'
import { REDACTED } from './redaction.js'

/** Bodies of failed requests are logged up to about this many characters of their JSON. */
export const CLIP_AT = 5000
const CLIPPED = ' [clipped]'
const MAX_DEPTH = 32
const MAX_PARSED = 262_144

/** Cuts text at 5000 characters and marks the cut, as the seed does. */
export function clip(text: string): string {
  return text.length > CLIP_AT ? text.slice(0, CLIP_AT) + CLIPPED : text
}

/**
 * A copy of a parsed JSON body that pino can redact and the log can hold: sensitive fields replaced
 * at any depth (the same walk as every line's), cut to about CLIP_AT characters of content (a
 * string past the budget is clipped, an object's or array's remaining entries become one
 * "[clipped]" entry), nothing deeper than 32 levels. Only JSON's own values are kept; anything
 * else (a class instance from a custom parser) is described, not walked.
 */
class Snapshot {
  #budget = CLIP_AT
  readonly #redaction: FieldRedaction

  constructor(redaction: FieldRedaction) {
    this.#redaction = redaction
  }

  take(value: unknown, depth: number): unknown {
    if (value === null || typeof value === 'boolean') {
      this.#budget -= 5
      return value
    }
    if (typeof value === 'number') {
      this.#budget -= 8
      return value
    }
    if (typeof value === 'string') {
      if (value.length <= this.#budget) {
        this.#budget -= value.length + 2
        return value
      }
      const kept = value.slice(0, Math.max(this.#budget, 0)) + CLIPPED
      this.#budget = 0
      return kept
    }
    if (typeof value !== 'object') return `[${typeof value}]`
    if (depth >= MAX_DEPTH) return REDACTED
    if (Array.isArray(value)) {
      const out: unknown[] = []
      for (let i = 0; i < value.length; i++) {
        if (this.#budget <= 0) {
          out.push(`[clipped: ${value.length - i} more]`)
          break
        }
        out.push(this.take(value[i], depth + 1))
      }
      return out
    }
    if (!isDataRecord(value)) return `[${value.constructor?.name ?? 'object'}]`
    const out: Record<string, unknown> = {}
    const keys = Object.keys(value)
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i] as string
      if (this.#budget <= 0) {
        out['[clipped]'] = `${keys.length - i} more`
        break
      }
      this.#budget -= key.length + 4
      out[key] = this.#redaction.isSensitive(key) ? REDACTED : this.take(value[key], depth + 1)
    }
    return out
  }
}

/**
 * A body as the request line logs it: a parsed JSON body (an object, an array, a number, a boolean)
 * as a redacted, clipped copy; text, binary and stream bodies only described, since no field of them
 * can be redacted. `undefined` when there is no body.
 */
export function bodySnapshot(body: unknown, redaction: FieldRedaction): unknown {
  if (body === undefined || body === null) return undefined
  if (typeof body === 'string') return `[text: ${body.length} characters]`
  if (Buffer.isBuffer(body)) return `[binary: ${body.length} bytes]`
  if (typeof body === 'object' && typeof (body as { pipe?: unknown }).pipe === 'function') return '[stream]'
  try {
    return new Snapshot(redaction).take(body, 0)
  } catch {
    // A getter or proxy of a custom parser's value threw: nothing of it is written.
    return '[unreadable]'
  }
}

/**
 * A response payload as sent at onSend (serialized text) turned back into what `bodySnapshot` takes:
 * JSON text parsed, anything else as it is.
 */
export function parsedPayload(payload: unknown, contentType: unknown): unknown {
  if (typeof payload !== 'string' && !Buffer.isBuffer(payload)) return payload
  if (typeof contentType !== 'string' || !/[/+]json\b/i.test(contentType)) return payload
  // Parsing a huge payload to log 5000 characters of it is not worth the time: it is described.
  if (payload.length > MAX_PARSED) return payload
  try {
    return JSON.parse(typeof payload === 'string' ? payload : payload.toString('utf8'))
  } catch {
    return payload
  }
}
