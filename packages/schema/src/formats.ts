import { isTimestamp } from './timestamp.js'

/** The Ajv format name of Timestamp: the seed's ISO 8601 with milliseconds and Z or ±HH:MM. */
export const TIMESTAMP_FORMAT = 'iso8601-timestamp'

/** The format as Ajv takes it, in `addFormat` or in the `formats` option of a new Ajv. */
export const TIMESTAMP_AJV_FORMAT = Object.freeze({ type: 'string' as const, validate: isTimestamp })

/** The part of Ajv's interface the format plugin uses, so we need no direct dependency on ajv. */
export interface AjvFormatHost {
  addFormat(name: string, format: { type: 'string'; validate: (value: string) => boolean }): unknown
}

/**
 * An Ajv plugin adding the `iso8601-timestamp` format. The @fbi/schema plugin installs it in
 * Fastify's validator and serializer itself; export it for Ajv instances of your own (and for
 * `Fastify({ ajv: { plugins: [fbiAjvFormats] } })` if you validate without the plugin).
 */
export function fbiAjvFormats<A extends AjvFormatHost>(ajv: A): A {
  ajv.addFormat(TIMESTAMP_FORMAT, TIMESTAMP_AJV_FORMAT)
  return ajv
}
