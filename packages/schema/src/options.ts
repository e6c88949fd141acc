import { FBI_SCHEMA_INVALID_OPTION } from './errors.js'
import type { FbiOpenApiOptions } from './openapi.js'
import { isPlainObject } from './plain-object.js'

/** The behaviours @fbi/schema can switch to: 'flask' answers as Flask Batteries Included did. */
export type SchemaCompat = 'flask'

export interface FbiSchemaOptions {
  /** The OpenAPI document (@fastify/swagger) and swagger-ui, or false for neither. Default: { info: { title: 'API', version: '1.0.0' }, docs: '/docs' outside production, false in production }. */
  openapi?: FbiOpenApiOptions | false
  /** Accept the identifier keys (uuid, created, created_by, modified, modified_by) in StrictBody bodies. Default: true outside production (`app.config.isProduction`). */
  tolerateIdentifierKeys?: boolean
  /** Methods on which a request with a JSON body is a 400, as the seed's `get()`/`delete()` checks. Default: ['GET', 'DELETE']. */
  rejectJsonBodyOn?: readonly string[]
  /** Install @fbi/schema's validator compiler (timestamp format, strict bodies, query decoding); false keeps yours. Default: true. */
  validator?: boolean
  /** Install Fastify's serializer with @fbi/schema's formats known to its Ajv; false keeps Fastify's. Default: true. */
  serializer?: boolean
  /** 'flask' checks strict bodies and JSON bodies on GET/DELETE as the original did (see the README). Default: `app.config.compat`. */
  compat?: SchemaCompat | false
}

/** Every option with its default filled in; `compat: false` becomes null, as in `app.config.compat`. */
/** The OpenAPI options with the UI's path decided (false: no UI). */
export type ResolvedOpenApiOptions = FbiOpenApiOptions & { docs: string | false }

export type ResolvedSchemaOptions = Readonly<
  Required<Omit<FbiSchemaOptions, 'compat' | 'rejectJsonBodyOn' | 'openapi'>> & {
    openapi: ResolvedOpenApiOptions | false
    /** Upper-cased. */
    rejectJsonBodyOn: ReadonlySet<string>
    compat: SchemaCompat | null
  }
>

/** What the plugin reads of @fbi/config's `app.config`. */
export interface ConfigView {
  readonly isProduction: boolean
  readonly compat: SchemaCompat | null
}

const DEFAULT_OPENAPI: FbiOpenApiOptions = Object.freeze({})
const DEFAULT_DOCS = '/docs'
const DEFAULT_REJECT_JSON_BODY_ON: readonly string[] = Object.freeze(['GET', 'DELETE'])
const COMPAT_MODES: readonly SchemaCompat[] = Object.freeze(['flask'])

function optionalBoolean(
  opts: FbiSchemaOptions,
  name: 'tolerateIdentifierKeys' | 'validator' | 'serializer',
): boolean | undefined {
  const value = opts[name]
  if (value !== undefined && typeof value !== 'boolean')
    throw new FBI_SCHEMA_INVALID_OPTION(name, 'must be a boolean')
  return value
}

/** The UI's path when nothing says otherwise: none in production, where it is turned on by name. */
function defaultDocs(config: ConfigView): string | false {
  return config.isProduction ? false : DEFAULT_DOCS
}

function openapiOption(value: unknown, config: ConfigView): ResolvedOpenApiOptions | false {
  if (value === false) return false
  if (value !== undefined && !isPlainObject(value)) {
    throw new FBI_SCHEMA_INVALID_OPTION('openapi', 'must be an object or false')
  }
  const given = (value ?? DEFAULT_OPENAPI) as FbiOpenApiOptions
  const { docs } = given
  if (docs !== undefined && docs !== false && (typeof docs !== 'string' || !docs.startsWith('/'))) {
    throw new FBI_SCHEMA_INVALID_OPTION('openapi.docs', "must be a path starting with '/' or false")
  }
  return { ...given, docs: docs ?? defaultDocs(config) }
}

function methodsOption(value: unknown): ReadonlySet<string> {
  const methods = value ?? DEFAULT_REJECT_JSON_BODY_ON
  if (!Array.isArray(methods) || methods.some((method) => typeof method !== 'string')) {
    throw new FBI_SCHEMA_INVALID_OPTION('rejectJsonBodyOn', 'must be an array of HTTP method names')
  }
  return new Set(methods.map((method: string) => method.toUpperCase()))
}

function compatOption(value: unknown, config: ConfigView): SchemaCompat | null {
  if (value === undefined) return config.compat
  if (value === false) return null
  if (!COMPAT_MODES.includes(value as SchemaCompat)) {
    throw new FBI_SCHEMA_INVALID_OPTION('compat', `must be false or one of: ${COMPAT_MODES.join(', ')}`)
  }
  return value as SchemaCompat
}

/** Checks the options and fills in the defaults: the one place each default is written. */
export function resolveOptions(opts: FbiSchemaOptions, config: ConfigView): ResolvedSchemaOptions {
  return Object.freeze({
    openapi: openapiOption(opts.openapi, config),
    tolerateIdentifierKeys: optionalBoolean(opts, 'tolerateIdentifierKeys') ?? !config.isProduction,
    rejectJsonBodyOn: methodsOption(opts.rejectJsonBodyOn),
    validator: optionalBoolean(opts, 'validator') ?? true,
    serializer: optionalBoolean(opts, 'serializer') ?? true,
    compat: compatOption(opts.compat, config),
  })
}
