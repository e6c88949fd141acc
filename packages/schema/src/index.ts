import type {} from '@fbi/config'
import { BadRequest } from '@fbi/errors'
import type { FastifyPluginAsync, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { FBI_SCHEMA_INVALID_OPTION, FBI_SCHEMA_VALIDATOR_IN_USE } from './errors.js'
import { type FbiOpenApiOptions, registerOpenApi } from './openapi.js'
import { fbiValidatorFactory } from './validator.js'

export type {
  FastifyPluginAsyncTypebox,
  FastifyPluginCallbackTypebox,
  TypeBoxTypeProvider as FbiTypeProvider,
  TypeBoxTypeProvider,
} from '@fastify/type-provider-typebox'
export { type Static, type TSchema, Type } from '@sinclair/typebox'
export * from './errors.js'
export { type AjvFormatHost, fbiAjvFormats, TIMESTAMP_FORMAT } from './formats.js'
export {
  type FbiOpenApiOptions,
  fbiTransform,
  fbiTransformObject,
  OPENAPI_VERSION,
  operationIdFor,
  STANDARD_RESPONSES,
} from './openapi.js'
export { QueryBoolean, QueryInteger, QueryList, QueryTimestamp } from './query.js'
export {
  DateOnly,
  ErrorResponse,
  IDENTIFIER_KEYS,
  Identifier,
  isStrictBody,
  StrictBody,
  type StrictBodyKind,
  strictBodyKind,
  Timestamp,
  TimestampOut,
  UpdateBody,
} from './schemas.js'
export {
  type OpenApiDocument,
  openApiSpecOf,
  validateOpenApiSpec,
  type WriteOpenApiSpecOptions,
  writeOpenApiSpec,
} from './spec-file.js'
export {
  formatDateOnly,
  formatTimestamp,
  isDateOnly,
  isTimestamp,
  joinTimestamp,
  parseDateOnly,
  parseTimestamp,
  type SplitTimestamp,
  splitTimestamp,
} from './timestamp.js'
export { fbiValidatorFactory, type ValidatorSettings } from './validator.js'

export interface FbiSchemaOptions {
  /** The OpenAPI document (@fastify/swagger) and swagger-ui, or false for neither. Default: { info: { title: 'API', version: '1.0.0' }, docs: '/docs' }. */
  openapi?: FbiOpenApiOptions | false
  /** Accept the identifier keys (uuid, created, created_by, modified, modified_by) in StrictBody bodies. Default: true outside production (`app.config.isProduction`). */
  tolerateIdentifierKeys?: boolean
  /** Methods on which a request with a JSON body is a 400, as the seed's `get()`/`delete()` checks. Default: ['GET', 'DELETE']. */
  rejectJsonBodyOn?: readonly string[]
  /** Install @fbi/schema's validator compiler (timestamp format, strict bodies, query decoding); false keeps yours. Default: true. */
  validator?: boolean
}

const JSON_CONTENT_TYPE = /^\s*application\/(?:[\w.-]+\+)?json\s*(?:;|$)/i

function hasJsonBody(request: FastifyRequest): boolean {
  const { headers } = request
  const length = headers['content-length']
  const hasBody = (length !== undefined && length !== '0') || headers['transfer-encoding'] !== undefined
  return hasBody && JSON_CONTENT_TYPE.test(headers['content-type'] ?? '')
}

const fbiSchema: FastifyPluginAsync<FbiSchemaOptions> = async (fastify, opts) => {
  const {
    openapi = {},
    tolerateIdentifierKeys = fastify.config.isProduction !== true,
    rejectJsonBodyOn = ['GET', 'DELETE'],
    validator = true,
  } = opts
  if (openapi !== false && (typeof openapi !== 'object' || openapi === null)) {
    throw new FBI_SCHEMA_INVALID_OPTION('openapi', 'must be an object or false')
  }
  if (openapi !== false && openapi.docs !== undefined && openapi.docs !== false) {
    if (typeof openapi.docs !== 'string' || !openapi.docs.startsWith('/')) {
      throw new FBI_SCHEMA_INVALID_OPTION('openapi.docs', "must be a path starting with '/' or false")
    }
  }
  if (typeof tolerateIdentifierKeys !== 'boolean') {
    throw new FBI_SCHEMA_INVALID_OPTION('tolerateIdentifierKeys', 'must be a boolean')
  }
  if (!Array.isArray(rejectJsonBodyOn) || rejectJsonBodyOn.some((method) => typeof method !== 'string')) {
    throw new FBI_SCHEMA_INVALID_OPTION('rejectJsonBodyOn', 'must be an array of HTTP method names')
  }
  if (typeof validator !== 'boolean') {
    throw new FBI_SCHEMA_INVALID_OPTION('validator', 'must be a boolean')
  }

  if (validator) {
    // Fastify's Ajv is configured by server options (`ajv.customOptions`, `ajv.plugins`) that a
    // plugin cannot reach after the server exists, and `setValidatorCompiler` would take over
    // from Ajv entirely (shared `addSchema` schemas and the user's `ajv` options then become our
    // problem). `setSchemaController` swaps only the factory Fastify builds its validator with:
    // ours builds Fastify's own @fastify/ajv-compiler with the server's `ajv` options plus our
    // format and strictness, for this instance and every context created after it (root routes
    // compile at ready, so those declared before the plugin get it too). A compiler set here by
    // hand would win over any factory, so that is refused rather than silently left without our
    // format. No `schemaServerOptions()` for `Fastify({ ajv })`: it could add the format but not
    // the query decoding or the strict-body compiler, so it would be a second, weaker way.
    if (fastify.validatorCompiler !== undefined) throw new FBI_SCHEMA_VALIDATOR_IN_USE()
    fastify.setSchemaController({
      compilersFactory: { buildValidator: fbiValidatorFactory({ tolerateIdentifierKeys }) },
    })
  }

  if (rejectJsonBodyOn.length > 0) {
    const methods = new Set(rejectJsonBodyOn.map((method) => method.toUpperCase()))
    // A callback hook, not an async one: it runs on every request, and an async hook costs a
    // promise and a microtask each time for a check that is synchronous.
    fastify.addHook('onRequest', function fbiRejectJsonBody(request, _reply, done) {
      if (methods.has(request.method) && hasJsonBody(request)) {
        done(new BadRequest(`${request.method} request should not have json body`))
        return
      }
      done()
    })
  }

  if (openapi !== false) await registerOpenApi(fastify, openapi)
}

export default fp(fbiSchema, {
  name: '@fbi/schema',
  fastify: '5.x',
  dependencies: ['@fbi/config'],
  decorators: { fastify: ['config'] },
})
