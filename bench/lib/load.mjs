// Load generation with autocannon, always bounded in time, and the checks a server must pass
// before its figures mean anything.
import { isDeepStrictEqual } from 'node:util'
import autocannon from 'autocannon'

/**
 * One autocannon run against 127.0.0.1. Either `seconds` long, or `amount` requests; in both
 * cases it is stopped after `maxSeconds` whatever happens.
 */
export function load({ port, path, headers = {}, connections, seconds, amount, maxSeconds }) {
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: `http://127.0.0.1:${port}${path}`,
        headers,
        connections,
        ...(amount === undefined ? { duration: seconds } : { amount }),
        timeout: 10,
      },
      (error, result) => {
        clearTimeout(timer)
        if (error) reject(error)
        else resolve(summarise(result))
      },
    )
    const timer = setTimeout(() => instance.stop(), maxSeconds * 1000)
  })
}

function summarise(result) {
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    total: result.requests.total,
    ok: result['2xx'],
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
  }
}

/** A problem with a load run (errors, timeouts, non-2xx answers, nothing answered), or undefined. */
export function loadProblem(run) {
  if (run.total === 0) return 'no request completed'
  if (run.errors > 0 || run.timeouts > 0) return `${run.errors} errors, ${run.timeouts} timeouts`
  if (run.non2xx > 0) return `${run.non2xx} of ${run.total} answers were not 2xx`
  return undefined
}

/**
 * Sends each request of `checks` ({ what, path, headers, status, body?, expectHeaders? }) once and
 * compares status, JSON body and the presence of headers; returns the mismatches (none when the
 * server behaves).
 */
export async function checkResponses(port, checks) {
  const problems = []
  for (const check of checks) {
    const res = await fetch(`http://127.0.0.1:${port}${check.path}`, {
      headers: check.headers,
      signal: AbortSignal.timeout(10_000),
    })
    const text = await res.text()
    if (res.status !== check.status) {
      problems.push(`${check.what}: status ${res.status}, expected ${check.status} (${text.slice(0, 200)})`)
      continue
    }
    for (const name of check.expectHeaders ?? []) {
      if (!res.headers.has(name)) problems.push(`${check.what}: no ${name} header`)
    }
    if (check.body === undefined) continue
    let json
    try {
      json = JSON.parse(text)
    } catch {
      problems.push(`${check.what}: body is not JSON (${text.slice(0, 200)})`)
      continue
    }
    if (!isDeepStrictEqual(json, check.body)) {
      problems.push(`${check.what}: body ${text.slice(0, 200)}, expected ${JSON.stringify(check.body)}`)
    }
  }
  return problems
}

export function median(values) {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b)
  if (sorted.length === 0) return Number.NaN
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}
