/** What a raw URL part is replaced by (OpenTelemetry's word for scrubbed values). */
export const REDACTED = 'REDACTED'

// `:name`, `:name(regex)` and `*` segments of a Fastify route pattern.
const ROUTE_PARAMETER = /:([A-Za-z0-9_]+)(?:\([^)]*\))?|\*/g

/**
 * A route pattern as a path with its parameters shown by name: `/patient/:patient_id` becomes
 * `/patient/{patient_id}`. A request's own path carries the ids it asks about (a patient's, the
 * caller's), so spans carry this instead.
 */
export function templatePath(route: string): string {
  return route.replace(ROUTE_PARAMETER, (_match, name: string | undefined) => `{${name ?? '*'}}`)
}
