import type { FbiTracingOptions } from '@fbi/tracing'
import { describe, expectTypeOf, it } from 'vitest'
import fbi, { type AllTracingOptions, type FbiOptions } from '../src/index.js'

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

  it("takes @fbi/tracing's options as they are, without importing its types", () => {
    expectTypeOf<AllTracingOptions>().toEqualTypeOf<FbiTracingOptions>()
    expectTypeOf<{ tracing: false }>().toExtend<FbiOptions>()
    expectTypeOf<{ tracing: { traceMonitoringRoutes: true } }>().toExtend<FbiOptions>()
    // @ts-expect-error tracing options are checked
    expectTypeOf<{ tracing: { instrumentHooks: 'yes' } }>().toExtend<FbiOptions>()
  })
})
