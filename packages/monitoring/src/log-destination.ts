import { openSync, writeSync } from 'node:fs'

/**
 * Where log lines go: a file path (appended to, created if missing) or a file descriptor. Default: 1 (stdout).
 */
export type LogTarget = string | number

export function isLogTarget(value: unknown): value is LogTarget {
  return (
    (typeof value === 'string' && value.length > 0) || (Number.isInteger(value) && (value as number) >= 0)
  )
}

/** The pino stream `logDestination` returns: each line is written before `write` returns. */
export interface LogDestination {
  readonly fd: number
  /** Lines that could not be written (the file or pipe failed); each failure kind is reported once on stderr. */
  readonly droppedLines: number
  write(line: string): void
  /** Nothing is ever buffered; here for callers (pino, close-with-grace) that flush streams. */
  flushSync(): void
  flush(callback?: (error?: Error) => void): void
}

const RETRY_SLEEP_MS = 10
const sleeper = new Int32Array(new SharedArrayBuffer(4))

function sleep(ms: number): void {
  Atomics.wait(sleeper, 0, 0, ms)
}

function errorCode(error: unknown): string {
  return (error as NodeJS.ErrnoException | undefined)?.code ?? 'UNKNOWN'
}

// A non-blocking pipe that is full: wait for its reader, as a blocking write would.
function isBusy(error: unknown): boolean {
  const code = errorCode(error)
  return code === 'EAGAIN' || code === 'EBUSY'
}

/**
 * A synchronous pino destination: `Fastify({ logger: { stream: logDestination('/var/log/app.log') } })`,
 * or `monitoringServerOptions({ logger })`, which builds one.
 *
 * Written by hand rather than using pino.destination (sonic-boom) because sonic-boom 4 and 5, in
 * sync mode, copy every line they have written into a new Buffer (releaseWritingBuf) only to slice
 * off the bytes written: measured 3.5 µs of a 24 µs request served by fbi (bench/cpu.mjs), the
 * largest single cost after the socket write. The guarantees are sonic-boom's sync ones: a line is
 * in the file or pipe when `write` returns, so nothing is lost when the process crashes; a full pipe
 * (EAGAIN) is waited for; partial writes are completed. What differs: a failed write (EPIPE, ENOSPC,
 * EBADF …) drops the line and is reported once on stderr instead of throwing inside a request.
 */
export function logDestination(target: LogTarget = 1): LogDestination {
  if (!isLogTarget(target))
    throw new TypeError('logDestination: target must be a file path or a file descriptor')
  const fd = typeof target === 'number' ? target : openSync(target, 'a')
  let dropped = 0
  const reported = new Set<string>()

  function drop(error: unknown): void {
    dropped++
    const code = errorCode(error)
    if (reported.has(code)) return
    reported.add(code)
    try {
      writeSync(
        2,
        `@fbi/monitoring: a log line could not be written to fd ${fd} (${code}); further lines may be lost\n`,
      )
    } catch {
      // stderr is gone too: nothing left to tell.
    }
  }

  // Only after a partial write: the rest, as bytes, until done or failed.
  function writeRest(line: string, written: number): void {
    let rest = Buffer.from(line).subarray(written)
    while (rest.length > 0) {
      try {
        rest = rest.subarray(writeSync(fd, rest))
      } catch (error) {
        if (!isBusy(error)) {
          drop(error)
          return
        }
        sleep(RETRY_SLEEP_MS)
      }
    }
  }

  return {
    fd,
    get droppedLines() {
      return dropped
    },
    write(line: string): void {
      for (;;) {
        try {
          const written = writeSync(fd, line)
          // One pass over the text only when the bytes written might not be all of them.
          if (written < line.length || written < Buffer.byteLength(line)) writeRest(line, written)
          return
        } catch (error) {
          if (!isBusy(error)) {
            drop(error)
            return
          }
          sleep(RETRY_SLEEP_MS)
        }
      }
    },
    flushSync(): void {},
    flush(callback?: (error?: Error) => void): void {
      callback?.()
    },
  }
}
