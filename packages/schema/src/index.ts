import plugin from './plugin.js'

export type {
  FastifyPluginAsyncTypebox,
  FastifyPluginCallbackTypebox,
  TypeBoxTypeProvider as FbiTypeProvider,
  TypeBoxTypeProvider,
} from '@fastify/type-provider-typebox'
export { type Static, type TSchema, Type } from '@sinclair/typebox'
export type { DocsRoute } from './docs-ui.js'
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
export type {
  FbiSchemaOptions,
  ResolvedOpenApiOptions,
  ResolvedSchemaOptions,
  SchemaCompat,
} from './options.js'
export { QueryBoolean, QueryInteger, QueryList, QueryTimestamp } from './query.js'
export {
  DateOnly,
  ErrorResponse,
  Identifier,
  StrictBody,
  Timestamp,
  TimestampOut,
  UpdateBody,
} from './schemas.js'
export { fbiSerializerFactory } from './serializer.js'
export {
  type OpenApiDocument,
  openApiSpecOf,
  validateOpenApiSpec,
  type WriteOpenApiSpecOptions,
  writeOpenApiSpec,
} from './spec-file.js'
export { IDENTIFIER_KEYS, isStrictBody, type StrictBodyKind, strictBodyKind } from './strict-body-kind.js'
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
export { type FbiValidatorFactory, fbiValidatorFactory, type ValidatorSettings } from './validator.js'

export default plugin
