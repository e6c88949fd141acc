import { REDACTED } from './redaction.js'

/**
 * Field names never written to a log, whatever their depth, case or separators: the platform's
 * obvious patient identifiers and contact details, and credentials. A service adds its own with
 * `redactFields`; the README lists these.
 */
export const REDACTED_FIELDS: readonly string[] = Object.freeze([
  // Patient identifiers
  'nhs_number',
  'hospital_number',
  'mrn',
  'patient_number',
  'chi_number',
  'date_of_birth',
  'dob',
  'date_of_death',
  // Names
  'first_name',
  'last_name',
  'given_name',
  'given_names',
  'family_name',
  'full_name',
  'maiden_name',
  'nickname',
  // Contact details
  'email',
  'email_address',
  'phone',
  'phone_number',
  'mobile',
  'mobile_number',
  'telephone',
  'address',
  'addresses',
  'personal_addresses',
  'address_line_1',
  'address_line_2',
  'address_line_3',
  'address_line_4',
  'postcode',
  'post_code',
  'zip_code',
  // Credentials
  'authorization',
  'cookie',
  'set_cookie',
  'password',
  'secret',
  'client_secret',
  'access_token',
  'refresh_token',
  'id_token',
  'api_key',
  'hs_key',
])

/** How a field name is compared: lower-case letters and digits only (`nhsNumber`, `NHS-Number`, `nhs_number` are one). */
export function fieldKey(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]/g, '')
}

/** Past this depth nothing is vouched for: the subtree is replaced (as pino would cut a cycle). */
const MAX_DEPTH = 32
const TOO_DEEP = '[REDACTED: too deep]'
const UNREADABLE = '[REDACTED: unreadable]'
const CIRCULAR = '[Circular]'
// The names the cache remembers; past that (an attacker's random keys) each is worked out again.
const MAX_CACHED_NAMES = 4096

/** A value the walk must not go into: pino serializes these itself (err) or they hold no fields. */
function isOpaque(value: object): boolean {
  return value instanceof Error || ArrayBuffer.isView(value) || value instanceof ArrayBuffer
}

/**
 * A record of data: a plain object, a null-prototype one, or one whose prototype has none (the
 * dictionaries fast-querystring and find-my-way make for `request.query` and `request.params`).
 * Class instances are not: walking a request or a socket would go through half the process.
 */
export function isDataRecord(value: object): value is Record<string, unknown> {
  const proto = Object.getPrototypeOf(value)
  return proto === Object.prototype || proto === null || Object.getPrototypeOf(proto) === null
}

/**
 * The field names a service never logs, compiled once (a set of compared names and a cache of the
 * names seen), and the walks that apply them.
 */
export class FieldRedaction {
  readonly fields: readonly string[]
  readonly #keys: ReadonlySet<string>
  readonly #seen = new Map<string, boolean>()

  constructor(fields: readonly string[]) {
    this.fields = Object.freeze([...new Set(fields)])
    this.#keys = new Set(this.fields.map(fieldKey))
  }

  /** True when a property of this name is never logged. */
  isSensitive(name: string): boolean {
    const cached = this.#seen.get(name)
    if (cached !== undefined) return cached
    const sensitive = this.#keys.has(fieldKey(name))
    if (this.#seen.size < MAX_CACHED_NAMES) this.#seen.set(name, sensitive)
    return sensitive
  }

  /**
   * The value with every sensitive property, at any depth and in arrays, replaced by "[REDACTED]".
   * Copy on write: the same value when nothing was replaced, never a change to the caller's objects.
   * Plain objects, arrays and what `toJSON` returns are walked; class instances other than that and
   * Errors are left to pino's serializers. Fails closed: what cannot be read, or lies deeper than
   * 32 levels, is replaced too.
   */
  redact(value: unknown): unknown {
    return this.#walk(value, 0, [])
  }

  #walk(value: unknown, depth: number, path: object[]): unknown {
    if (typeof value !== 'object' || value === null) return value
    if (depth >= MAX_DEPTH) return TOO_DEEP
    // A cycle: the copy made above must not lead back into the original (pino writes it so too).
    if (path.includes(value)) return CIRCULAR
    if (isOpaque(value)) return value
    const toJSON = (value as { toJSON?: unknown }).toJSON
    if (typeof toJSON === 'function') {
      // What JSON.stringify would write instead of the object; one level deeper, so a chain ends.
      const json: unknown = toJSON.call(value)
      if (json !== value) return this.#walk(json, depth + 1, path)
    }
    path.push(value)
    try {
      if (Array.isArray(value)) return this.#walkArray(value, depth, path)
      if (!isDataRecord(value)) return value
      return this.#walkRecord(value, depth, path)
    } finally {
      path.pop()
    }
  }

  #walkArray(array: readonly unknown[], depth: number, path: object[]): unknown[] {
    let copy: unknown[] | undefined
    for (let i = 0; i < array.length; i++) {
      const item = array[i]
      const walked = this.#walk(item, depth + 1, path)
      if (walked !== item) {
        copy ??= array.slice()
        copy[i] = walked
      }
    }
    return copy ?? (array as unknown[])
  }

  #walkRecord(record: Record<string, unknown>, depth: number, path: object[]): Record<string, unknown> {
    let copy: Record<string, unknown> | undefined
    for (const key in record) {
      if (!Object.hasOwn(record, key)) continue
      const item = record[key]
      if (item === undefined) continue
      const walked = this.isSensitive(key) ? REDACTED : this.#walk(item, depth + 1, path)
      if (walked !== item) {
        copy ??= { ...record }
        copy[key] = walked
      }
    }
    return copy ?? record
  }

  /** `redact`, but a value that cannot be read (a throwing getter or proxy) becomes a marker instead of a throw. */
  redactOrReplace(value: unknown): unknown {
    try {
      return this.redact(value)
    } catch {
      return UNREADABLE
    }
  }
}

/** The built-in list alone, compiled once: what the request line uses when the logger is not fbi's. */
export const DEFAULT_REDACTION = new FieldRedaction(REDACTED_FIELDS)
