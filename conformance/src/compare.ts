import { DIFFERENCES, type Difference, type Pair, restoredByCompat } from './differences.js'
import type { Mode } from './session.js'
import { FACETS, type Facet } from './view.js'

/** How one row of one mode compares with the original. */
export interface Verdict {
  /** Facets that differ, each with the differences that account for it (empty: unexplained). */
  readonly facets: ReadonlyMap<Facet, readonly string[]>
  /** What is wrong: unexplained facets, then `not observed: <id>` for listed differences that did not occur. */
  readonly problems: readonly string[]
}

/** Whether an any-row difference is allowed in a mode: in compat mode, only what the switch does not restore. */
function anyRowAllowed(difference: Difference, mode: Mode): boolean {
  return difference.scope === 'any-row' && (mode === 'default' || !restoredByCompat(difference.restoredBy))
}

/** Compares a pair, allowing the any-row differences of its mode and the `listed` ones given for this row. */
export function judge(pair: Pair, listed: readonly string[], mode: Mode): Verdict {
  const facets = new Map<Facet, string[]>()
  for (const facet of FACETS) {
    if (pair.original.view[facet] !== pair.fbi.view[facet]) facets.set(facet, [])
  }
  const unobserved: string[] = []
  const candidates = [...DIFFERENCES.values()].filter(
    (difference) => anyRowAllowed(difference, mode) || listed.includes(difference.id),
  )
  for (const difference of candidates) {
    const explained = difference.explains(pair).filter((facet) => facets.has(facet))
    for (const facet of explained) facets.get(facet)?.push(difference.id)
    if (difference.scope === 'listed' && explained.length === 0) unobserved.push(difference.id)
  }
  const unexplained = [...facets].filter(([, by]) => by.length === 0).map(([facet]) => facet)
  return { facets, problems: [...unexplained, ...unobserved.map((id) => `not observed: ${id}`)] }
}

/** A readable account of a pair and its verdict, for failure messages. */
export function describe(pair: Pair, verdict: Verdict): string {
  const lines = [`${pair.request.method} ${pair.request.path}`]
  for (const [facet, by] of verdict.facets) {
    const why = by.length === 0 ? 'UNEXPLAINED' : by.join(', ')
    lines.push(`  ${facet}: ${pair.original.view[facet]}  →  ${pair.fbi.view[facet]}   [${why}]`)
  }
  if (verdict.facets.size === 0) lines.push('  (no difference)')
  const clip = (raw: string) => {
    const text = raw.trim()
    return text.length > 300 ? `${text.slice(0, 300)}…` : text
  }
  lines.push(
    `  original body: ${clip(pair.original.answer.body)}`,
    `  fbi body:      ${clip(pair.fbi.answer.body)}`,
  )
  return lines.join('\n')
}
