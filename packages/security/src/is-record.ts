/** A plain JSON-like object: not null, not an array. The one such check of the package. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
