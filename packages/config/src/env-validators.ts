import * as generated from './env-validators.generated.js'
import type { GroupName, VariableSpec } from './variables.js'

/** What an Ajv validator reports of one problem (the fields problems.ts reads). */
export interface EnvValidationError {
  readonly keyword: string
  readonly instancePath: string
  readonly params: Record<string, unknown>
}

type GroupValidator = ((data: Record<string, unknown>) => boolean) & {
  errors?: EnvValidationError[] | null
}

// Compiled ahead of time by scripts/generate-env-validators.mjs (Ajv's standalone code), so that a
// service's start-up neither loads a schema compiler nor compiles: see that script for the figures.
const VALIDATORS = generated as unknown as Readonly<Record<GroupName, GroupValidator>>

export interface EnvValidation {
  /** The variables of `specs` found in the input, defaults filled in, numbers converted. */
  readonly values: Record<string, string | number>
  /** Every problem, missing variables first, then in the order of `specs`. */
  readonly errors: readonly EnvValidationError[]
}

/**
 * Checks `input` against the groups of `specs` (VARIABLES' order). Only their variables are kept in
 * `values`, as the first release's env-schema kept them (no additional properties). The errors come in the order one
 * schema of all the groups would give, so an operator reads the same list as before.
 */
export function validateEnv(
  input: Readonly<Record<string, string>>,
  specs: readonly VariableSpec[],
): EnvValidation {
  const values: Record<string, string | number> = {}
  const order = new Map<string, number>()
  const groups = new Set<GroupName>()
  for (const [index, spec] of specs.entries()) {
    order.set(spec.name, index)
    groups.add(spec.group)
    const value = input[spec.name]
    if (value !== undefined) values[spec.name] = value
  }
  const errors: EnvValidationError[] = []
  for (const group of groups) {
    const validate = VALIDATORS[group]
    if (!validate(values)) errors.push(...(validate.errors ?? []))
  }
  const rank = (error: EnvValidationError) => {
    const name =
      error.keyword === 'required' ? String(error.params.missingProperty) : error.instancePath.slice(1)
    return (error.keyword === 'required' ? 0 : specs.length) + (order.get(name) ?? specs.length)
  }
  return { values, errors: errors.sort((a, b) => rank(a) - rank(b)) }
}
