import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

/** The migration guide, whose differences table names every difference the suite allows. */
export const GUIDE_PATH = fileURLToPath(
  new URL('../../docs/migrating-from-flask-batteries-included.md', import.meta.url),
)

/** One row of the guide's differences table. */
export interface GuideRow {
  readonly id: string
  readonly cells: readonly string[]
  /** The last cell: what restores the original's behaviour. */
  readonly restoredBy: string
}

const ANCHOR = /<a id="([^"]+)"><\/a>/

/** Cells of a Markdown table row, `\|` being a literal bar inside a cell. */
function cellsOf(line: string): string[] {
  const inner = line.trim().replace(/^\|/, '').replace(/\|$/, '')
  return inner.split(/(?<!\\)\|/).map((cell) => cell.trim())
}

/** The rows of the differences table: the table rows whose first cell holds an anchor. */
export function guideRows(text = readFileSync(GUIDE_PATH, 'utf8')): GuideRow[] {
  const rows: GuideRow[] = []
  for (const line of text.split('\n')) {
    if (!line.trimStart().startsWith('|')) continue
    const cells = cellsOf(line)
    const anchor = ANCHOR.exec(cells[0] ?? '')
    if (anchor === null) continue
    rows.push({ id: anchor[1] as string, cells, restoredBy: cells[cells.length - 1] ?? '' })
  }
  return rows
}
