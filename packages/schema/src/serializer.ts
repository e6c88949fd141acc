import SerializerSelector, { type SerializerFactory } from '@fastify/fast-json-stringify-compiler'
import { TIMESTAMP_AJV_FORMAT, TIMESTAMP_FORMAT } from './formats.js'

/**
 * Fastify's own serializer (@fastify/fast-json-stringify-compiler, with the server's
 * `serializerOpts`) whose Ajv knows @fbi/schema's format. fast-json-stringify validates anyOf,
 * oneOf and if/then branches with an Ajv of its own, built from the `ajv` option; without the format
 * there it prints `unknown format "iso8601-timestamp" ignored` and cannot tell the branches apart.
 */
export function fbiSerializerFactory(): SerializerFactory {
  const build = SerializerSelector()
  return (externalSchemas, options) =>
    build(externalSchemas, {
      ...options,
      ajv: {
        ...options?.ajv,
        formats: { ...options?.ajv?.formats, [TIMESTAMP_FORMAT]: TIMESTAMP_AJV_FORMAT },
      },
    })
}
