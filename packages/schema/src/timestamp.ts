import { BadRequest } from '@fbi/errors'
import { FBI_SCHEMA_UNFORMATTABLE_DATE } from './errors.js'

// The seed's timestamps: "2000-01-01T01:01:01.123Z" or "…123+01:00". Python's %f takes 1 to 6
// fraction digits and Python clients send microseconds (isoformat()), so those are accepted; a
// JavaScript Date keeps milliseconds, so digits past the third are dropped when parsing.
const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})\.(\d{1,6})(?:Z|([+-])(\d{2}):(\d{2}))$/
const DATE_ONLY = /^(\d{4})-(\d{2})-(\d{2})$/
const MAX_SHOWN = 64

const TIMESTAMP_EXPECTED = 'YYYY-MM-DDTHH:MM:SS.sss followed by Z or ±HH:MM'
const DATE_EXPECTED = 'YYYY-MM-DD'

interface TimestampParts {
  readonly utcMs: number
  readonly offsetSeconds: number
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) {
    const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0
    return leap ? 29 : 28
  }
  return [4, 6, 9, 11].includes(month) ? 30 : 31
}

function validDate(year: number, month: number, day: number): boolean {
  return year >= 1 && month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month)
}

// Date.UTC maps years 0-99 to 1900-1999, so build the instant field by field.
function utcMillis(year: number, month: number, day: number, h = 0, m = 0, s = 0, ms = 0): number {
  const date = new Date(0)
  date.setUTCFullYear(year, month - 1, day)
  date.setUTCHours(h, m, s, ms)
  return date.getTime()
}

function matchTimestamp(value: unknown): TimestampParts | undefined {
  if (typeof value !== 'string') return undefined
  const m = TIMESTAMP.exec(value)
  if (m === null) return undefined
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ]
  if (!validDate(year, month, day) || hour > 23 || minute > 59 || second > 59) return undefined
  const ms = Number((m[7] ?? '').padEnd(3, '0').slice(0, 3))
  let offsetSeconds = 0
  if (m[8] !== undefined) {
    const offH = Number(m[9])
    const offM = Number(m[10])
    if (offH > 23 || offM > 59) return undefined
    offsetSeconds = (m[8] === '-' ? -1 : 1) * (offH * 3600 + offM * 60)
  }
  const localMs = utcMillis(year, month, day, hour, minute, second, ms)
  return { utcMs: localMs - offsetSeconds * 1000, offsetSeconds }
}

function shown(value: unknown): string {
  const text = typeof value === 'string' ? value : String(value)
  return text.length > MAX_SHOWN ? `${text.slice(0, MAX_SHOWN)}…` : text
}

function invalid(value: unknown, expected: string): BadRequest {
  return new BadRequest(`'${shown(value)}' does not match expected ISO8601 format ${expected}`)
}

/** True when `value` is a timestamp in the seed's format (the `iso8601-timestamp` Ajv format). */
export function isTimestamp(value: unknown): boolean {
  return matchTimestamp(value) !== undefined
}

/** True when `value` is a calendar date YYYY-MM-DD. */
export function isDateOnly(value: unknown): boolean {
  if (typeof value !== 'string') return false
  const m = DATE_ONLY.exec(value)
  return m !== null && validDate(Number(m[1]), Number(m[2]), Number(m[3]))
}

/**
 * Parses an ISO 8601 timestamp with milliseconds and a Z or ±HH:MM offset into the instant it
 * names. Throws a BadRequest naming the value when it is anything else; null and undefined give
 * null, like the seed's optional parse.
 */
export function parseTimestamp(value: string): Date
export function parseTimestamp(value: string | null | undefined): Date | null
export function parseTimestamp(value: string | null | undefined): Date | null {
  if (value === null || value === undefined) return null
  const parts = matchTimestamp(value)
  if (parts === undefined) throw invalid(value, TIMESTAMP_EXPECTED)
  return new Date(parts.utcMs)
}

/**
 * Writes an instant as "2000-01-01T01:01:01.123Z", or in local time at `offsetSeconds` east of UTC
 * as "…123+01:00". The offset must be whole minutes below a day.
 */
export function formatTimestamp(date: Date, offsetSeconds?: number): string
export function formatTimestamp(date: Date | null | undefined, offsetSeconds?: number): string | null
export function formatTimestamp(date: Date | null | undefined, offsetSeconds = 0): string | null {
  if (date === null || date === undefined) return null
  if (!(date instanceof Date) || Number.isNaN(date.getTime())) {
    throw new FBI_SCHEMA_UNFORMATTABLE_DATE('not a valid Date')
  }
  if (!Number.isInteger(offsetSeconds) || offsetSeconds % 60 !== 0 || Math.abs(offsetSeconds) >= 86_400) {
    throw new FBI_SCHEMA_UNFORMATTABLE_DATE(`offset ${offsetSeconds}s is not whole minutes within a day`)
  }
  const local = new Date(date.getTime() + offsetSeconds * 1000)
  const year = local.getUTCFullYear()
  if (year < 1 || year > 9999) {
    throw new FBI_SCHEMA_UNFORMATTABLE_DATE(`year ${year} is outside 0001-9999`)
  }
  const p2 = (n: number) => String(n).padStart(2, '0')
  const base =
    `${String(year).padStart(4, '0')}-${p2(local.getUTCMonth() + 1)}-${p2(local.getUTCDate())}` +
    `T${p2(local.getUTCHours())}:${p2(local.getUTCMinutes())}:${p2(local.getUTCSeconds())}` +
    `.${String(local.getUTCMilliseconds()).padStart(3, '0')}`
  if (offsetSeconds === 0) return `${base}Z`
  const abs = Math.abs(offsetSeconds)
  return `${base}${offsetSeconds < 0 ? '-' : '+'}${p2(Math.floor(abs / 3600))}:${p2((abs % 3600) / 60)}`
}

/** A timestamp taken apart: the UTC instant and the sender's offset east of UTC, in seconds. */
export interface SplitTimestamp {
  readonly utc: Date
  readonly offsetSeconds: number
}

/**
 * Splits a timestamp into its UTC instant and its offset in seconds, so both can be stored
 * ("2010-08-11T11:59:50.123+01:00" -> 10:59:50.123Z and 3600). Throws a BadRequest naming the
 * value when it is not a timestamp.
 */
export function splitTimestamp(value: string): SplitTimestamp {
  const parts = matchTimestamp(value)
  if (parts === undefined) throw invalid(value, TIMESTAMP_EXPECTED)
  return { utc: new Date(parts.utcMs), offsetSeconds: parts.offsetSeconds }
}

/** The inverse of splitTimestamp: the instant written in the local time of its offset. */
export function joinTimestamp(utc: Date, offsetSeconds: number): string {
  return formatTimestamp(utc, offsetSeconds)
}

/** Parses YYYY-MM-DD into midnight UTC of that day; a BadRequest naming the value otherwise. */
export function parseDateOnly(value: string): Date
export function parseDateOnly(value: string | null | undefined): Date | null
export function parseDateOnly(value: string | null | undefined): Date | null {
  if (value === null || value === undefined) return null
  if (!isDateOnly(value)) throw invalid(value, DATE_EXPECTED)
  const [year, month, day] = value.split('-').map(Number) as [number, number, number]
  return new Date(utcMillis(year, month, day))
}

/** Writes the UTC calendar day of a Date as YYYY-MM-DD. */
export function formatDateOnly(date: Date): string
export function formatDateOnly(date: Date | null | undefined): string | null
export function formatDateOnly(date: Date | null | undefined): string | null {
  if (date === null || date === undefined) return null
  return formatTimestamp(date).slice(0, 10)
}
