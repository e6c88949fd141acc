import { GROUP_PURPOSE, type VariableSpec } from './variables.js'

/** One thing wrong with the environment, named for the operator who has to fix it. */
export interface ConfigProblem {
  readonly variable: string
  readonly problem: string
  readonly neededBy: string
}

interface AjvErrorLike {
  keyword: string
  instancePath: string
  params: Record<string, unknown>
}

// Values are echoed only for kinds that cannot hold a secret: keys and URLs (which may carry a
// password) never reach a log line.
const ECHOED_KINDS = new Set(['boolean', 'integer', 'port', 'scheme', 'choice'])

function describe(spec: VariableSpec, keyword: string, value: unknown): string {
  const shown = ECHOED_KINDS.has(spec.kind) ? ` '${String(value).slice(0, 40)}'` : ''
  switch (spec.kind) {
    case 'boolean':
      return `${shown.trim()} is not a boolean (use true, false, 1 or 0)`
    case 'integer':
      return keyword === 'minimum'
        ? `${shown.trim()} is below the minimum of ${spec.minimum ?? 0}`
        : `${shown.trim()} is not an integer`
    case 'port':
      return `${shown.trim()} is not a port number (0 to 65535)`
    case 'scheme':
      return `${shown.trim()} is not http or https`
    case 'url':
      return 'is not an absolute URL (scheme://host...)'
    case 'string':
      return 'is empty'
    case 'choice':
      return `${shown.trim()} is not one of ${(spec.choices ?? []).join(', ')}`
  }
}

export function problemsFromAjv(
  errors: readonly AjvErrorLike[],
  specs: ReadonlyMap<string, VariableSpec>,
  input: Readonly<Record<string, string>>,
): ConfigProblem[] {
  const problems: ConfigProblem[] = []
  const seen = new Set<string>()
  for (const error of errors) {
    const variable =
      error.keyword === 'required'
        ? String(error.params.missingProperty)
        : error.instancePath.replace(/^\//, '')
    const spec = specs.get(variable)
    if (!spec || seen.has(variable)) continue
    seen.add(variable)
    problems.push({
      variable,
      problem: error.keyword === 'required' ? 'is missing' : describe(spec, error.keyword, input[variable]),
      neededBy: GROUP_PURPOSE[spec.group],
    })
  }
  return problems
}

export function formatProblems(problems: readonly ConfigProblem[]): string {
  return problems.map((p) => `  - ${p.variable} ${p.problem} (${p.neededBy})`).join('\n')
}
