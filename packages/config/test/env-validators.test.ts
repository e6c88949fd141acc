// The configuration's validators are compiled ahead of time (scripts/generate-env-validators.mjs).
// These tests hold them to the committed source and to what the first release did at start-up:
// env-schema's Ajv compiling one schema of every group turned on.
import { readFileSync } from 'node:fs'
import { Ajv } from 'ajv'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { GENERATED_FILE, renderEnvValidators } from '../scripts/generate-env-validators.mjs'
import { validateEnv } from '../src/env-validators.js'
import { problemsFromAjv } from '../src/problems.js'
import { ENV_AJV_OPTIONS, envSchemaOf, groupSchemas } from '../src/variable-schemas.js'
import { type GroupName, VARIABLES, type VariableSpec } from '../src/variables.js'

const GROUPS: readonly GroupName[] = ['general', 'jwt', 'auth0', 'customAuth0', 'epr', 'db', 'tracing']

// The first release's way: env-schema's options and its `additionalProperties: false`.
const startupAjv = new Ajv({
  allErrors: true,
  removeAdditional: true,
  useDefaults: true,
  coerceTypes: true,
  allowUnionTypes: true,
  addUsedSchema: false,
})

const compiled = new Map<string, ReturnType<typeof startupAjv.compile>>()

function checkedAtStartup(input: Record<string, string>, specs: readonly VariableSpec[]) {
  const key = specs.map((spec) => spec.name).join()
  let validate = compiled.get(key)
  if (validate === undefined) {
    validate = startupAjv.compile({ ...envSchemaOf(specs), additionalProperties: false })
    compiled.set(key, validate)
  }
  const values: Record<string, unknown> = { ...input }
  return { values, errors: validate(values) ? [] : [...(validate.errors ?? [])] }
}

// Values that reach every branch: empty, numbers in and out of range, fractions, booleans in the
// seed's spellings, URLs with and without a scheme, each choice, and arbitrary text.
const SAMPLE_VALUES = [
  '',
  ' ',
  '0',
  '1',
  '-1',
  '1.5',
  '0.5',
  '2',
  '65535',
  '65536',
  '1e3',
  ' 12',
  '0x10',
  'NaN',
  'true',
  'Yes',
  'off',
  'maybe',
  'http',
  'https',
  'http://localhost',
  'https://tenant.eu.auth0.com/',
  'localhost:5432',
  'json',
  'debug',
  'otlp',
  'traceidratio',
  'http/json',
]

const inputFor = (specs: readonly VariableSpec[]) =>
  fc.record(
    Object.fromEntries(
      [...specs.map((spec) => spec.name), 'NOT_A_VARIABLE'].map((name) => [
        name,
        fc.oneof(fc.constantFrom(...SAMPLE_VALUES), fc.string({ maxLength: 12 })),
      ]),
    ),
    { requiredKeys: [] },
  ) as fc.Arbitrary<Record<string, string>>

describe('the configuration validators compiled ahead of time', () => {
  it('are the ones the generator writes from the current variables (run `pnpm --filter @fbi/config generate` if not)', () => {
    const rendered = renderEnvValidators(groupSchemas(VARIABLES), ENV_AJV_OPTIONS)
    expect(readFileSync(GENERATED_FILE, 'utf8')).toBe(rendered)
  })

  it('give the values and problems the first release gave, for any groups and any input', () => {
    const groupSets = fc.subarray([...GROUPS.filter((group) => group !== 'general')])
    const cases = groupSets.chain((groups) => {
      const specs = VARIABLES.filter((spec) => spec.group === 'general' || groups.includes(spec.group))
      return fc.tuple(fc.constant(specs), inputFor(specs))
    })
    fc.assert(
      fc.property(cases, ([specs, input]) => {
        const byName = new Map(specs.map((spec) => [spec.name, spec]))
        const before = checkedAtStartup(input, specs)
        const now = validateEnv(input, specs)
        expect(now.values).toEqual(before.values)
        expect(problemsFromAjv(now.errors, byName, input)).toEqual(
          problemsFromAjv(before.errors, byName, input),
        )
        expect(now.errors.length > 0).toBe(before.errors.length > 0)
      }),
      { numRuns: 1000 },
    )
  })

  it('fill in defaults, convert numbers and keep only the variables of the groups asked for', () => {
    const specs = VARIABLES.filter((spec) => spec.group === 'general')
    const { values, errors } = validateEnv({ PORT: '8080', HS_KEY: 'not in general' }, specs)
    expect(errors).toEqual([])
    expect(values).toMatchObject({ PORT: 8080, LOG_LEVEL: 'info', ENVIRONMENT: 'PRODUCTION' })
    expect(values).not.toHaveProperty('HS_KEY')
  })

  it('report a missing variable before a wrong one, whatever the groups’ order', () => {
    const specs = VARIABLES.filter((spec) => spec.group === 'general' || spec.group === 'jwt')
    const { errors } = validateEnv({ PORT: 'eighty', PROXY_URL: 'http://localhost' }, specs)
    expect(errors.map((error) => error.keyword)).toEqual(['required', 'type'])
  })
})
