import type { FastifyInstance } from 'fastify'
import { FBI_SCHEMA_VALIDATOR_IN_USE } from './errors.js'
import { fbiSerializerFactory } from './serializer.js'
import { fbiValidatorFactory, type ValidatorSettings } from './validator.js'

type SchemaControllerOptions = Parameters<FastifyInstance['setSchemaController']>[0]
type BuildValidator = NonNullable<NonNullable<SchemaControllerOptions['compilersFactory']>['buildValidator']>

/**
 * Installs our validator and/or serializer factories with `setSchemaController`.
 *
 * Fastify's Ajv is configured by server options (`ajv.customOptions`, `ajv.plugins`) that a plugin
 * cannot reach after the server exists, and `setValidatorCompiler` would take over from Ajv entirely
 * (shared `addSchema` schemas and the user's `ajv` options then become our problem).
 * `setSchemaController` swaps only the factories Fastify builds its compilers with: ours build
 * Fastify's own @fastify/ajv-compiler and @fastify/fast-json-stringify-compiler with the server's
 * options plus our format, strictness and decoding, for this instance and every context created
 * after it (root routes compile at ready, so those declared before the plugin get it too). The
 * factories replace any `schemaController.compilersFactory` given to the server. A validator
 * compiler set here by hand would win over any factory, so that is refused rather than silently
 * left without our format.
 */
export function installCompilers(
  fastify: FastifyInstance,
  install: { validator: ValidatorSettings | false; serializer: boolean },
): void {
  if (install.validator === false && !install.serializer) return
  if (install.validator !== false && fastify.validatorCompiler !== undefined)
    throw new FBI_SCHEMA_VALIDATOR_IN_USE()
  fastify.setSchemaController({
    compilersFactory: {
      // Fastify types `buildValidator` as @fastify/ajv-compiler's factory (compiling to Ajv
      // functions), while it documents and runs any validation result from the compiled function
      // ({ error } / { value }, Validation-and-Serialization.md); ours returns those results, so
      // the declared type is narrower than the contract it follows.
      ...(install.validator !== false && {
        buildValidator: fbiValidatorFactory(install.validator) as unknown as BuildValidator,
      }),
      ...(install.serializer && { buildSerializer: fbiSerializerFactory() }),
    },
  })
}
