/**
 * The token of an `Authorization: Bearer <token>` header. The scheme is matched case-insensitively
 * (RFC 7235 §2.1), so `bearer x` is accepted. Returns undefined when the request carries no bearer
 * credentials at all (no header, another scheme) and null when it claims Bearer but the token part
 * is empty or not a single token68.
 */
export function bearerToken(header: string | undefined): string | null | undefined {
  if (header === undefined) return undefined
  if (header.length > 7 && header.charCodeAt(6) === 32) {
    if (header.startsWith('Bearer') || header.slice(0, 6).toLowerCase() === 'bearer') {
      const token = header.slice(7)
      return token.indexOf(' ') === -1 ? token : null
    }
    return undefined
  }
  return header.slice(0, 6).toLowerCase() === 'bearer' ? null : undefined
}

/**
 * As the original read it (compat 'flask'): only the exact prefix `Bearer ` counts, and everything
 * after it is the token (so `bearer x` is no token at all, and `Bearer  x` a malformed one).
 */
export function bearerTokenExact(header: string | undefined): string | null | undefined {
  if (header === undefined || !header.startsWith('Bearer ')) return undefined
  const token = header.slice(7)
  return token.length > 0 && token.indexOf(' ') === -1 ? token : null
}
