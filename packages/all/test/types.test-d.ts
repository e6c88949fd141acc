import { describe, expectTypeOf, it } from 'vitest'
import fbi, { type FbiOptions } from '../src/index.js'

describe('public types', () => {
  it('types every battery switch', () => {
    expectTypeOf<FbiOptions['db']>().toExtend<boolean | object | undefined>()
    expectTypeOf<{ db: true; auth0: true; errors: { problemJson: true } }>().toExtend<FbiOptions>()
    // @ts-expect-error errors options are checked
    expectTypeOf<{ errors: { problemJson: 'yes' } }>().toExtend<FbiOptions>()
    // @ts-expect-error config switches are booleans
    expectTypeOf<{ auth0: 'on' }>().toExtend<FbiOptions>()
    expectTypeOf(fbi).toBeFunction()
  })
})
