import { decodePayloadUnverified } from './claims.js'
import { FBI_SECURITY_SYSTEM_JWT_FAILED } from './errors.js'

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

interface CachedToken {
  jwt: string
  reuseUntil: number
}

export function createSystemJwtClient(options: SystemJwtClientOptions): SystemJwtClient {
  const baseUrl = options.baseUrl.replace(/\/+$/, '')
  const timeoutMs = options.timeoutMs ?? 5000
  const marginMs = (options.refreshBeforeExpirySec ?? 60) * 1000
  const cache = new Map<string, CachedToken>()
  const inflight = new Map<string, Promise<string>>()

  async function fetchJwt(systemId: string): Promise<string> {
    const url = `${baseUrl}/dhos/v1/system/${encodeURIComponent(systemId)}/jwt`
    let body: unknown
    try {
      const response = await fetch(url, {
        signal: AbortSignal.timeout(timeoutMs),
        headers: { accept: 'application/json' },
      })
      if (!response.ok) {
        await response.body?.cancel()
        throw new Error(`answered ${response.status}`)
      }
      body = await response.json()
    } catch (error) {
      throw new FBI_SECURITY_SYSTEM_JWT_FAILED(
        systemId,
        error instanceof Error ? error.message : String(error),
      )
    }
    const jwt = typeof body === 'object' && body !== null ? (body as { jwt?: unknown }).jwt : undefined
    if (typeof jwt !== 'string' || jwt.length === 0) {
      throw new FBI_SECURITY_SYSTEM_JWT_FAILED(systemId, 'the response has no jwt')
    }
    const exp = decodePayloadUnverified(jwt)?.exp
    // A token without a readable exp is not reused: we cannot tell when it stops working.
    if (typeof exp === 'number') cache.set(systemId, { jwt, reuseUntil: exp * 1000 - marginMs })
    return jwt
  }

  async function getSystemJwt(systemId: string): Promise<string | undefined> {
    if (options.disabled) return undefined
    const cached = cache.get(systemId)
    if (cached !== undefined && cached.reuseUntil > Date.now()) return cached.jwt
    let pending = inflight.get(systemId)
    if (pending === undefined) {
      pending = fetchJwt(systemId).finally(() => inflight.delete(systemId))
      inflight.set(systemId, pending)
    }
    return pending
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
