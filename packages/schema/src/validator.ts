import AjvCompiler, { type ValidatorFactory } from '@fastify/ajv-compiler'
import type { FastifySchemaValidationError } from 'fastify'
import { fbiAjvFormats, TIMESTAMP_FORMAT } from './formats.js'
import { type QueryDecoder, queryDecoderOf } from './query.js'
import { IDENTIFIER_KEYS, strictBodyKind } from './schemas.js'

type RouteCompiler = ReturnType<ValidatorFactory>
type RouteDefinition = Parameters<RouteCompiler>[0]
type AjvValidate = ReturnType<RouteCompiler>
type DataContext = { parentData: unknown; parentDataProperty: string }

/** What the validator needs to know about the app; fixed when the plugin is registered. */
export interface ValidatorSettings {
  /** Accept the identifier keys in StrictBody bodies (non-production). */
  readonly tolerateIdentifierKeys: boolean
}

type Properties = Record<string, unknown>

function propertiesOf(schema: unknown): Properties | undefined {
  if (typeof schema !== 'object' || schema === null) return undefined
  const properties = (schema as { properties?: unknown }).properties
  return typeof properties === 'object' && properties !== null ? (properties as Properties) : undefined
}

function withIdentifierKeys(schema: unknown): unknown {
  const properties: Properties = {}
  // The seed did not type-check tolerated keys, so they accept anything.
  for (const key of IDENTIFIER_KEYS) properties[key] = {}
  Object.assign(properties, propertiesOf(schema))
  // A copy must not reuse the $id: Ajv refuses two different schemas under one id.
  const { $id: _id, ...rest } = schema as { $id?: unknown }
  return { ...rest, properties }
}

function collectDecoders(schema: unknown): Array<[string, QueryDecoder]> {
  const decoders: Array<[string, QueryDecoder]> = []
  for (const [key, property] of Object.entries(propertiesOf(schema) ?? {})) {
    const decoder = queryDecoderOf(property)
    if (decoder !== undefined) decoders.push([key, decoder])
  }
  return decoders
}

function rewriteMessages(
  errors: FastifySchemaValidationError[],
  decoders: ReadonlyArray<[string, QueryDecoder]>,
): FastifySchemaValidationError[] {
  for (const error of errors) {
    // Ajv says "must NOT have additional properties" without naming the key; the seed named it.
    if (error.keyword === 'additionalProperties' && typeof error.params.additionalProperty === 'string') {
      error.message = `must NOT have additional property '${error.params.additionalProperty}'`
    } else if (error.keyword === 'format' && error.params.format === TIMESTAMP_FORMAT) {
      error.message =
        'must be an ISO 8601 timestamp with milliseconds and Z or ±HH:MM, e.g. 2000-01-01T01:01:01.123Z'
    } else if (error.keyword === 'format' && error.params.format === 'date') {
      error.message = 'must be a date YYYY-MM-DD'
    } else if (error.keyword === 'type') {
      const decoder = decoders.find(([key]) => error.instancePath === `/${key}`)?.[1]
      if (decoder?.kind === 'boolean') error.message = 'must be true or false'
    }
  }
  return errors
}

function isPlainObject(data: unknown): data is Record<string, unknown> {
  return typeof data === 'object' && data !== null && !Array.isArray(data)
}

/**
 * Wraps one compiled Ajv function: decodes query arguments around it and rewrites its messages.
 * Fastify passes `{ parentData, parentDataProperty }` only to functions carrying Ajv's
 * `schemaEnv`, so the wrapper carries it along.
 */
function wrap(validate: AjvValidate, decoders: ReadonlyArray<[string, QueryDecoder]>): AjvValidate {
  const call = validate as unknown as (data: unknown, dataCxt?: DataContext) => unknown
  const wrapper = ((data: unknown, dataCxt?: DataContext) => {
    if (decoders.length > 0 && isPlainObject(data)) {
      for (const [key, decoder] of decoders) {
        if (decoder.before !== undefined && data[key] !== undefined) data[key] = decoder.before(data[key])
      }
    }
    const ok = dataCxt === undefined ? call(data) : call(data, dataCxt)
    if (ok === false) {
      wrapper.errors = rewriteMessages((validate.errors ?? []) as FastifySchemaValidationError[], decoders)
      return false
    }
    wrapper.errors = null
    if (ok === true && decoders.length > 0 && isPlainObject(data)) {
      for (const [key, decoder] of decoders) {
        if (decoder.after !== undefined && data[key] !== undefined) data[key] = decoder.after(data[key])
      }
    }
    return ok
  }) as AjvValidate
  Object.assign(wrapper, { schemaEnv: validate.schemaEnv, schema: validate.schema })
  return wrapper
}

/**
 * Fastify's own validator (@fastify/ajv-compiler, with the server's `ajv` options and shared
 * schemas) plus: the `iso8601-timestamp` format, `removeAdditional: false` unless the server
 * options chose otherwise (so `additionalProperties: false` rejects instead of silently
 * stripping), and StrictBody bodies compiled by a second Ajv without type coercion.
 */
export function fbiValidatorFactory(settings: ValidatorSettings): ValidatorFactory {
  const pool = AjvCompiler()
  const factory: ValidatorFactory = (externalSchemas, options) => {
    if (options?.mode === 'JTD') return pool(externalSchemas, options)
    const customOptions = {
      ...options?.customOptions,
      removeAdditional: options?.customOptions?.removeAdditional ?? false,
    }
    const plugins = [...(options?.plugins ?? []), fbiAjvFormats]
    const compile = pool(externalSchemas, { ...options, customOptions, plugins })
    const compileStrict = pool(externalSchemas, {
      ...options,
      customOptions: { ...customOptions, coerceTypes: false, removeAdditional: false },
      plugins,
    })
    return (route: RouteDefinition) => {
      const kind = route.httpPart === 'body' ? strictBodyKind(route.schema) : undefined
      if (kind !== undefined) {
        const tolerate = kind === 'post' && settings.tolerateIdentifierKeys
        const schema = tolerate ? withIdentifierKeys(route.schema) : route.schema
        return wrap(compileStrict({ ...route, schema } as RouteDefinition), [])
      }
      const decoders = route.httpPart === 'querystring' ? collectDecoders(route.schema) : []
      return wrap(compile(route), decoders)
    }
  }
  return factory
}
