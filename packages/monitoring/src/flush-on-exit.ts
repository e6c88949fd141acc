// Log destinations holding lines of the current event-loop turn. One 'exit' listener writes them
// all, so a crash (an uncaught exception, process.exit) loses nothing and many destinations add no
// listeners.
const holding = new Set<() => void>()
let listening = false
// Once the process is exiting no turn will end: lines logged from then on (by later 'exit'
// listeners) must be written at once.
let exiting = false

function flushAll(): void {
  exiting = true
  for (const flush of holding) flush()
}

/** Runs `flush` when the process exits, unless it is released first (the turn ended). */
export function holdUntilExit(flush: () => void): void {
  holding.add(flush)
  if (!listening) {
    listening = true
    process.on('exit', flushAll)
  }
}

export function release(flush: () => void): void {
  holding.delete(flush)
}

/** True once the process has started exiting. */
export function processIsExiting(): boolean {
  return exiting
}
