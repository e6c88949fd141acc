import { styleText } from 'node:util'

type Style = Parameters<typeof styleText>[0]

const LEVELS: Readonly<Record<number, { name: string; style: Style }>> = {
  10: { name: 'TRACE', style: 'gray' },
  20: { name: 'DEBUG', style: 'gray' },
  30: { name: 'INFO ', style: 'green' },
  40: { name: 'WARN ', style: 'yellow' },
  50: { name: 'ERROR', style: 'red' },
  60: { name: 'FATAL', style: ['bgRed', 'white'] },
}

// What every line has, or what the request line shows in its own words.
const SHOWN = new Set(['level', 'time', 'pid', 'hostname', 'msg', 'reqId', 'err', 'httpRequest', 'refusal'])

interface Parsed {
  level?: number
  time?: number
  msg?: string
  reqId?: string
  err?: { type?: string; message?: string; stack?: string }
  httpRequest?: { requestMethod?: string; requestUrl?: string; status?: number; latency?: string }
  refusal?: { reason?: string; code?: string }
  deprecated?: unknown
  [key: string]: unknown
}

function clock(time: number | undefined): string {
  const date = time === undefined ? new Date() : new Date(time)
  const two = (n: number) => String(n).padStart(2, '0')
  return `${two(date.getHours())}:${two(date.getMinutes())}:${two(date.getSeconds())}.${String(date.getMilliseconds()).padStart(3, '0')}`
}

function statusStyle(status: number): Style {
  return status >= 500 ? 'red' : status >= 400 ? 'yellow' : status >= 300 ? 'cyan' : 'green'
}

/**
 * One JSON log line as one readable line for a terminal: time, level, then for a request's line
 * `GET /patient/[REDACTED] 403 2.1ms — why it was refused`, for any other line its message and the
 * rest of its fields as compact JSON; an error's stack follows on its own lines. Written here (about
 * 50 lines) rather than with pino-pretty, which would need its own stream (losing logDestination's
 * batching and exit flush) and knows nothing of the request line's shape. Never throws: a line that
 * is not JSON is written as it came.
 */
export function prettyLine(json: string, color: boolean): string {
  try {
    return readable(JSON.parse(json) as Parsed, color)
  } catch {
    // Not JSON, or fields of unexpected types (a numeric request id): the line as pino wrote it.
    return json
  }
}

function readable(line: Parsed, color: boolean): string {
  const paint = (style: Style, text: string) =>
    color ? styleText(style, text, { validateStream: false }) : text
  const level = LEVELS[line.level ?? 30] ?? { name: String(line.level), style: 'white' as Style }
  let text = `${paint('gray', clock(line.time))} ${paint(level.style, level.name)} `
  const http = line.httpRequest
  if (http !== undefined) {
    const status = http.status ?? 0
    const ms = http.latency === undefined ? '' : ` ${(Number.parseFloat(http.latency) * 1000).toFixed(1)}ms`
    text += `${http.requestMethod} ${http.requestUrl} ${paint(statusStyle(status), String(status))}${paint('gray', ms)}`
    if (line.deprecated !== undefined) text += paint('yellow', ' (deprecated)')
    if (line.refusal?.reason !== undefined) text += ` ${paint('gray', '—')} ${line.refusal.reason}`
  } else {
    text += line.msg ?? ''
  }
  const rest = Object.fromEntries(
    Object.entries(line).filter(([key]) => !SHOWN.has(key) && key !== 'deprecated'),
  )
  if (http === undefined && Object.keys(rest).length > 0) text += ` ${paint('gray', JSON.stringify(rest))}`
  if (line.reqId !== undefined) text += paint('gray', ` [${line.reqId.slice(0, 8)}]`)
  if (line.err?.stack !== undefined) text += `\n${paint('red', line.err.stack.replace(/^/gm, '    '))}`
  else if (line.err?.message !== undefined) text += ` ${paint('red', line.err.message)}`
  return `${text}\n`
}
