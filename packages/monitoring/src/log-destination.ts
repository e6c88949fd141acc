import { closeSync, openSync, writeSync } from 'node:fs'
import { isatty, type WriteStream } from 'node:tty'
import { isMainThread } from 'node:worker_threads'
import type { LogFormat } from '@fbi/config'
import pino from 'pino'
import { FBI_MONITORING_INVALID_OPTION, FBI_MONITORING_LOG_LINES_DROPPED } from './errors.js'
import { holdUntilExit, processIsExiting, release } from './flush-on-exit.js'
import { prettyLine } from './pretty-line.js'

/**
 * Where log lines go: a file path (appended to, created if missing) or a file descriptor. Default: 1 (stdout).
 */
export type LogTarget = string | number

export interface LogDestinationOptions {
  /**
   * Write every line before `write` returns. Default: false on the main thread (the lines of one
   * event-loop turn are written together, in one system call, when the turn ends, and at once past
   * 64 Ki characters), true in worker threads, which can be terminated without an 'exit' event.
   */
  sync?: boolean
  /**
   * 'pretty' writes each JSON line pino makes as one readable line (prettyLine), in colour when the
   * target is a terminal that takes it; 'json' as it is. Default: 'json'.
   */
  format?: LogFormat
}

/** A non-empty path or a non-negative integer descriptor. */
export function isLogTarget(value: unknown): value is LogTarget {
  return (
    (typeof value === 'string' && value.length > 0) || (Number.isInteger(value) && (value as number) >= 0)
  )
}

/** The pino stream `logDestination` returns. */
export interface LogDestination {
  readonly fd: number
  /** Lines that could not be written (the file or pipe failed); each failure kind is reported once on stderr. */
  readonly droppedLines: number
  write(line: string): void
  /**
   * Writes what the current turn holds; a file opened from a path is then closed and later lines
   * are dropped (counted). A descriptor passed in (stdout) stays open.
   */
  close(): void
  /** Writes the lines of the current turn now. */
  flushSync(): void
  flush(callback?: (error?: Error) => void): void
}

const destinations = new WeakSet<LogDestination>()

/** Whether a descriptor is a terminal that takes colour: Node's own answer (NO_COLOR, FORCE_COLOR, TERM) for stdout and stderr. */
function hasColors(fd: number): boolean {
  const stream = fd === 1 ? process.stdout : fd === 2 ? process.stderr : undefined
  return stream !== undefined && isatty(fd) && typeof (stream as WriteStream).hasColors === 'function'
    ? (stream as WriteStream).hasColors()
    : false
}
// What a write after close() is counted as (errorCode reads only `code`).
const CLOSED = { code: 'CLOSED' }

/** Past this many characters the lines of a turn are written at once: bounds the memory a burst holds. */
const MAX_PENDING = 65_536
const RETRY_SLEEP_MS = 10
const sleeper = new Int32Array(new SharedArrayBuffer(4))

function sleep(ms: number): void {
  Atomics.wait(sleeper, 0, 0, ms)
}

export function errorCode(error: unknown): string {
  return (error as NodeJS.ErrnoException | undefined)?.code ?? 'UNKNOWN'
}

// A non-blocking pipe that is full: wait for its reader, as a blocking write would.
function isBusy(error: unknown): boolean {
  const code = errorCode(error)
  return code === 'EAGAIN' || code === 'EBUSY'
}

/**
 * A pino destination: `Fastify({ logger: { stream: logDestination('/var/log/app.log') } })`, or
 * `monitoringServerOptions({ logger })`, which builds one. A turn's lines are one string and one
 * writeSync; held lines are written on exit (crashes included); a full pipe is waited for, partial
 * writes are completed, and a failed write drops its lines and is reported once on stderr instead of
 * throwing inside a request. Written by hand rather than with pino.destination (sonic-boom), which
 * copies every written line into a new Buffer: 3.5 µs of a 24 µs request (bench/cpu.mjs); the
 * README says more.
 */
export function logDestination(target: LogTarget = 1, opts: LogDestinationOptions = {}): LogDestination {
  if (!isLogTarget(target)) {
    throw new FBI_MONITORING_INVALID_OPTION(
      'logDestination target',
      'must be a file path or a file descriptor',
    )
  }
  const openedHere = typeof target === 'string'
  const fd = typeof target === 'number' ? target : openSync(target, 'a')
  const sync = opts.sync ?? !isMainThread
  const pretty = opts.format === 'pretty'
  const color = pretty && hasColors(fd)
  let closed = false
  let cutShort = false
  let dropped = 0
  const reported = new Set<string>()
  let pending = ''
  let pendingLines = 0
  let scheduled = false

  function drop(error: unknown, lines: number): void {
    dropped += lines
    const code = errorCode(error)
    if (reported.has(code)) return
    reported.add(code)
    try {
      writeSync(
        2,
        `@fbi/monitoring: log lines could not be written to fd ${fd} (${code}); further lines may be lost\n`,
      )
    } catch {
      // stderr is gone too: nothing left to tell.
    }
  }

  // The text as a string while nothing of it is written (the usual single call), as the bytes still
  // to write after a partial write. A failure after a partial write leaves a line cut short in the
  // file: only the lines not wholly written count as dropped, and the next write starts on a new
  // line so the cut one cannot swallow it.
  function writeText(line: string, lines: number): void {
    if (closed) {
      drop(CLOSED, lines)
      return
    }
    let rest: string | Buffer = cutShort ? `\n${line}` : line
    cutShort = false
    for (;;) {
      try {
        const written = typeof rest === 'string' ? writeSync(fd, rest) : writeSync(fd, rest)
        if (typeof rest === 'string') {
          // Usually all of it: one pass over the text only when the bytes written might not be.
          if (written === rest.length && written === Buffer.byteLength(rest)) return
          rest = Buffer.from(rest)
        }
        rest = rest.subarray(written)
        if (rest.length === 0) return
      } catch (error) {
        if (isBusy(error)) {
          sleep(RETRY_SLEEP_MS)
          continue
        }
        if (typeof rest === 'string') {
          drop(error, lines)
        } else {
          let unwritten = 0
          for (const byte of rest) if (byte === 0x0a) unwritten++
          cutShort = true
          drop(error, unwritten)
        }
        return
      }
    }
  }

  function flushPending(): void {
    scheduled = false
    release(flushPending)
    if (pendingLines === 0) return
    const text = pending
    const lines = pendingLines
    pending = ''
    pendingLines = 0
    writeText(text, lines)
  }

  const destination: LogDestination = {
    fd,
    get droppedLines() {
      return dropped
    },
    write(json: string): void {
      const line = pretty ? prettyLine(json, color) : json
      if (sync || processIsExiting()) {
        writeText(line, 1)
        return
      }
      pending += line
      pendingLines++
      if (pending.length >= MAX_PENDING) {
        flushPending()
      } else if (!scheduled) {
        scheduled = true
        holdUntilExit(flushPending)
        setImmediate(flushPending)
      }
    },
    flushSync: flushPending,
    flush(callback?: (error?: Error) => void): void {
      const before = dropped
      flushPending()
      callback?.(dropped > before ? new FBI_MONITORING_LOG_LINES_DROPPED(dropped - before) : undefined)
    },
    close(): void {
      flushPending()
      // A descriptor given to us (stdout) stays open and usable: only what we opened is closed.
      if (closed || !openedHere) return
      closed = true
      try {
        closeSync(fd)
      } catch {
        // Already closed by someone else: nothing more to release.
      }
    },
  }
  destinations.add(destination)
  return destination
}

/**
 * The logDestination behind a logger, if any, so @fbi/monitoring can close it with the app: pino
 * keeps a logger's stream under `pino.symbols.streamSym`.
 */
export function destinationOf(logger: object): LogDestination | undefined {
  const stream = (logger as Record<symbol, unknown>)[pino.symbols.streamSym]
  return destinations.has(stream as LogDestination) ? (stream as LogDestination) : undefined
}
