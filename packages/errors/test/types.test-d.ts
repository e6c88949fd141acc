import { describe, expectTypeOf, it } from 'vitest'
import {
  classifyError,
  EntityNotFound,
  type ErrorBody,
  type ErrorDecision,
  type FbiErrorsOptions,
  type HttpError,
  PG_UNAVAILABLE_MESSAGES,
  type ResolvedErrorsOptions,
  ServiceUnavailable,
} from '../src/index.js'

describe('public types', () => {
  it('types the error classes', () => {
    expectTypeOf(new EntityNotFound()).toExtend<HttpError>()
    expectTypeOf(new EntityNotFound().statusCode).toEqualTypeOf<404>()
    expectTypeOf(new EntityNotFound().code).toEqualTypeOf<'FBI_ENTITY_NOT_FOUND'>()
    expectTypeOf(new ServiceUnavailable().retryAfter).toEqualTypeOf<number | undefined>()
    // @ts-expect-error the message is a string
    expectTypeOf(EntityNotFound).toBeConstructibleWith(42)
  })

  it('types the body and the options', () => {
    expectTypeOf<ErrorBody>().toEqualTypeOf<{ code: number; message: string }>()
    expectTypeOf<FbiErrorsOptions['problemJson']>().toEqualTypeOf<boolean | undefined>()
    expectTypeOf<FbiErrorsOptions['compat']>().toEqualTypeOf<'flask' | false | undefined>()
    expectTypeOf<ResolvedErrorsOptions['compat']>().toEqualTypeOf<'flask' | null>()
    expectTypeOf<ResolvedErrorsOptions['exposeServerErrors']>().toEqualTypeOf<boolean>()
    // @ts-expect-error only 'flask' is a compat mode
    const wrong: FbiErrorsOptions = { compat: 'django' }
    void wrong
  })

  it('types classifyError and the lists the database battery reads', () => {
    expectTypeOf(classifyError(undefined, false, 'flask')).toEqualTypeOf<ErrorDecision>()
    expectTypeOf(PG_UNAVAILABLE_MESSAGES).toEqualTypeOf<readonly string[]>()
    // @ts-expect-error the list is read-only
    PG_UNAVAILABLE_MESSAGES.push('x')
  })
})
