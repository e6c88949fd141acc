import { describe, expectTypeOf, it } from 'vitest'
import {
  EntityNotFound,
  type ErrorBody,
  type FbiErrorsOptions,
  type HttpError,
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
  })
})
