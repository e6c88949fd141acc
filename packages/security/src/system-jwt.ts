import { LRUCache } from 'lru-cache'
import { decodePayloadUnverified } from './claims.js'
import { FBI_SECURITY_INVALID_SYSTEM_ID, FBI_SECURITY_SYSTEM_JWT_FAILED } from './errors.js'
import { isRecord } from './is-record.js'
import { describeThrown, isError } from './thrown.js'

export interface SystemJwtClientOptions {
  /** SYSTEM_AUTH_URL_SCHEME://SYSTEM_AUTH_HOST:SYSTEM_AUTH_PORT, without a trailing slash. */
  baseUrl: string
  /** Per-request deadline. Default: 5000. */
  timeoutMs?: number
  /** A token is reused until this many seconds before its `exp`. Default: 60. */
  refreshBeforeExpirySec?: number
  /** When true (IGNORE_JWT_VALIDATION), nothing is fetched and headers are left alone. Default: false. */
  disabled?: boolean
}

export interface SystemJwtClient {
  /** A system token for `systemId`, cached until shortly before it expires; undefined when disabled. */
  getSystemJwt(systemId: string): Promise<string | undefined>
  /** Sets `Authorization: Bearer <system token>` on `headers` (and returns them); unchanged when disabled. */
  addSystemJwtToHeaders<H extends Record<string, string>>(
    headers: H,
    systemId: string,
  ): Promise<H & { Authorization?: string }>
}

interface SystemToken {
  readonly jwt: string
  readonly reusable: boolean
}

/**
 * A system id becomes one segment of the service's URL path: RFC 3986 unreserved characters only,
 * and never `.` or `..`, which a server (or anything between) resolves to another path.
 */
const SAFE_SEGMENT = /^[A-Za-z0-9._~-]{1,128}$/

function checkSystemId(systemId: unknown): asserts systemId is string {
  if (typeof systemId !== 'string' || !SAFE_SEGMENT.test(systemId) || systemId === '.' || systemId === '..') {
    throw new FBI_SECURITY_INVALID_SYSTEM_ID(JSON.stringify(String(systemId).slice(0, 64)))
  }
}

/** System ids are few (one per calling service); the bound only keeps a bug from growing the map. */
const MAX_SYSTEM_IDS = 1000

export function createSystemJwtClient(options: SystemJwtClientOptions): SystemJwtClient {
  const baseUrl = options.baseUrl.replace(/\/+$/, '')
  const timeoutMs = options.timeoutMs ?? 5000
  const marginMs = (options.refreshBeforeExpirySec ?? 60) * 1000

  async function fetchJwt(systemId: string, signal: AbortSignal): Promise<string> {
    const url = `${baseUrl}/dhos/v1/system/${systemId}/jwt`
    let body: unknown
    try {
      const response = await fetch(url, {
        signal: AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]),
        headers: { accept: 'application/json' },
      })
      if (!response.ok) {
        await response.body?.cancel()
        throw new FBI_SECURITY_SYSTEM_JWT_FAILED(systemId, `answered ${response.status}`)
      }
      body = await response.json()
    } catch (error) {
      // fetch is the platform's, or a test's stub: what it rejects with is described without trusting
      // it (a Proxy, a throwing toString), so the caller always gets this coded error.
      if (isError(error)) {
        if (error instanceof FBI_SECURITY_SYSTEM_JWT_FAILED) throw error
        throw new FBI_SECURITY_SYSTEM_JWT_FAILED(systemId, error.message)
      }
      throw new FBI_SECURITY_SYSTEM_JWT_FAILED(systemId, describeThrown(error))
    }
    const jwt = isRecord(body) ? body.jwt : undefined
    if (typeof jwt !== 'string' || jwt.length === 0) {
      throw new FBI_SECURITY_SYSTEM_JWT_FAILED(systemId, 'the response has no jwt')
    }
    return jwt
  }

  // lru-cache's fetchMethod: one fetch per system id at a time (concurrent callers share it), a
  // failure is never cached, and each token is kept until shortly before its exp.
  const cache = new LRUCache<string, SystemToken>({
    max: MAX_SYSTEM_IDS,
    fetchMethod: async (systemId, _stale, { signal, options: entry }) => {
      const jwt = await fetchJwt(systemId, signal)
      const exp = decodePayloadUnverified(jwt)?.exp
      const reuseForMs = typeof exp === 'number' ? exp * 1000 - marginMs - Date.now() : 0
      entry.ttl = Math.max(1, reuseForMs)
      return { jwt, reusable: reuseForMs > 0 }
    },
  })

  async function getSystemJwt(systemId: string): Promise<string | undefined> {
    checkSystemId(systemId)
    if (options.disabled) return undefined
    const status: LRUCache.Status<string, SystemToken> = {}
    let token = await cache.fetch(systemId, { status })
    // A token without a readable exp, or too close to it, is handed to the callers of the fetch
    // that got it and never reused: we cannot tell when it stops working.
    if (token !== undefined && !token.reusable && status.fetch === 'hit') {
      token = await cache.fetch(systemId, { forceRefresh: true })
    }
    // fetchMethod returns a token or throws; undefined would mean the fetch was aborted.
    if (token === undefined) throw new FBI_SECURITY_SYSTEM_JWT_FAILED(systemId, 'the request was aborted')
    return token.jwt
  }

  async function addSystemJwtToHeaders<H extends Record<string, string>>(
    headers: H,
    systemId: string,
  ): Promise<H & { Authorization?: string }> {
    const jwt = await getSystemJwt(systemId)
    if (jwt !== undefined) (headers as Record<string, string>).Authorization = `Bearer ${jwt}`
    return headers
  }

  return { getSystemJwt, addSystemJwtToHeaders }
}
