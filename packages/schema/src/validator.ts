import AjvCompiler, { type ValidatorFactory } from '@fastify/ajv-compiler'
import type { FastifySchemaCompiler, FastifySchemaValidationError } from 'fastify'
import { fbiAjvFormats } from './formats.js'
import { isPlainObject, propertiesOf } from './plain-object.js'
import { type QueryDecoder, queryDecoderOf } from './query-decoder.js'
import { type StrictBodyCheck, strictBodyCheck } from './strict-body-check.js'
import { strictBodyKind } from './strict-body-kind.js'
import { asyncFailure, validatorFailed } from './validator-failure.js'
import { rewriteMessages } from './validator-messages.js'

type RouteCompiler = ReturnType<ValidatorFactory>
type RouteDefinition = Parameters<RouteCompiler>[0]
type AjvValidate = ReturnType<RouteCompiler>
/** What a validator compiler's function returns, as Fastify types and documents it. */
type FastifyValidationResult = ReturnType<FastifySchemaCompiler<unknown>>
/** Fastify's type for a validation promise: a PromiseLike with a brand its linter rules read, nothing more. */
type ValidationPromise = Extract<ReturnType<FastifyValidationResult>, PromiseLike<unknown>>

/** What the validator needs to know about the app; fixed when the plugin is registered. */
export interface ValidatorSettings {
  /** Accept the identifier keys in StrictBody bodies (non-production). */
  readonly tolerateIdentifierKeys: boolean
  /** 'flask': strict bodies answer as the original's post()/update() did. Default: null. */
  readonly compat?: 'flask' | null
}

/** Our validator factory: Fastify's `compilersFactory.buildValidator` contract, compiling to Fastify's validation results. */
export type FbiValidatorFactory = (
  ...args: Parameters<ValidatorFactory>
) => (route: RouteDefinition) => FastifyValidationResult

function collectDecoders(schema: unknown): Array<[string, QueryDecoder]> {
  const decoders: Array<[string, QueryDecoder]> = []
  for (const [key, property] of Object.entries(propertiesOf(schema) ?? {})) {
    const decoder = queryDecoderOf(property)
    if (decoder !== undefined) decoders.push([key, decoder])
  }
  return decoders
}

/**
 * Wraps one compiled Ajv function in Fastify's documented validation-result contract
 * (Validation-and-Serialization.md, "Custom Validator Best Practices"): false with `errors`, or
 * `{ error }`, or `{ value }` when Ajv replaced the validated value itself (a coerced scalar body).
 * Ajv replaces a root value only through its parent, which Ajv's public `dataCxt` argument gives:
 * ours is a holder read back after validation. Around Ajv: query decoding and strict-body checks.
 */
const EMPTY_ROOT = Object.freeze({})

function validation(
  validate: AjvValidate,
  decoders: ReadonlyArray<[string, QueryDecoder]>,
  strict: StrictBodyCheck | undefined,
  httpPart: string | undefined,
): FastifyValidationResult {
  const onRejected = asyncFailure(httpPart)
  // Reused across calls: a synchronous validation reads them before it returns, and an $async one
  // destructures them on entry.
  const holder: { value: unknown } = { value: undefined }
  const dataCxt = {
    instancePath: '',
    parentData: holder,
    parentDataProperty: 'value' as const,
    rootData: EMPTY_ROOT,
    dynamicAnchors: {},
  }
  const check = (data: unknown) => {
    if (decoders.length > 0 && isPlainObject(data)) {
      for (const [key, decoder] of decoders) {
        if (decoder.before !== undefined && data[key] !== undefined) data[key] = decoder.before(data[key])
      }
    }
    strict?.prepare(data)
    holder.value = data
    dataCxt.rootData = data as object
    // Ajv types it a boolean; an $async schema returns a promise.
    let ok: boolean | PromiseLike<unknown>
    let failure: Error | undefined
    try {
      ok = validate(data, dataCxt)
    } catch (thrown) {
      // A keyword or format of the service's schema threw. Fastify's contract for a synchronous
      // validator is a returned { error }, never a throw (it would set a status on the value itself,
      // a TypeError for undefined, and read some falsy ones as valid).
      ok = false
      failure = validatorFailed(httpPart, thrown)
    }
    const value = holder.value
    // Nothing of this request stays referenced once it is validated.
    holder.value = undefined
    dataCxt.rootData = EMPTY_ROOT
    if (failure !== undefined) {
      result.errors = null
      return { error: failure }
    }
    if (ok === false) {
      const errors = (validate.errors ?? []) as FastifySchemaValidationError[]
      const error = strict?.flaskError(errors, data)
      result.errors = error === undefined ? rewriteMessages(errors, decoders) : null
      return error === undefined ? false : { error }
    }
    result.errors = null
    // An $async schema's promise: pass or fail only, as Fastify documents; a rejection that is not
    // Ajv's ValidationError is the schema's own code failing, never a pass.
    if (ok !== true) return ok.then(undefined, onRejected) as unknown as ValidationPromise
    if (decoders.length > 0 && isPlainObject(value)) {
      for (const [key, decoder] of decoders) {
        if (decoder.after !== undefined && value[key] !== undefined) value[key] = decoder.after(value[key])
      }
    }
    strict?.finish(value)
    return value === data ? true : { value }
  }
  const result: FastifyValidationResult = Object.assign(check, {
    errors: null as FastifySchemaValidationError[] | null,
  })
  return result
}

/**
 * Fastify's own validator (@fastify/ajv-compiler, with the server's `ajv` options and shared
 * schemas) plus: the `iso8601-timestamp` format, `removeAdditional: false` unless the server
 * options chose otherwise (so `additionalProperties: false` rejects instead of silently
 * stripping), and StrictBody bodies compiled by a second Ajv without type coercion.
 */
export function fbiValidatorFactory(settings: ValidatorSettings): FbiValidatorFactory {
  const pool = AjvCompiler()
  const flask = settings.compat === 'flask'
  return (externalSchemas, options) => {
    if (options?.mode === 'JTD') {
      const compileJtd = pool(externalSchemas, options)
      return (route) => validation(compileJtd(route), [], undefined, route.httpPart)
    }
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
    return (route) => {
      const kind = route.httpPart === 'body' ? strictBodyKind(route.schema) : undefined
      if (kind !== undefined) {
        const strict = strictBodyCheck(route.schema, kind, {
          tolerateIdentifierKeys: settings.tolerateIdentifierKeys,
          flask,
        })
        return validation(
          compileStrict({ ...route, schema: strict.schema } as RouteDefinition),
          [],
          strict,
          route.httpPart,
        )
      }
      const decoders = route.httpPart === 'querystring' ? collectDecoders(route.schema) : []
      return validation(compile(route), decoders, undefined, route.httpPart)
    }
  }
}
