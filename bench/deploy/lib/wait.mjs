// Bounded waits: every wait of the harness has a deadline, so a stuck step fails the run instead of
// hanging it.

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

/** Polls `condition` (sync or async) every `everyMs` until it is true; throws after `timeoutMs`. */
export async function waitUntil(condition, { timeoutMs, everyMs = 50, what }) {
  const deadline = performance.now() + timeoutMs
  for (;;) {
    if (await condition()) return
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await sleep(everyMs)
  }
}
