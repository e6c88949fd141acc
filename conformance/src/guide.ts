import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

/** The migration guide, whose differences table names every difference the suite allows. */
export const GUIDE_PATH = fileURLToPath(
  new URL('../../docs/migrating-from-flask-batteries-included.md', import.meta.url),
)

/** The guide's folder, against which its relative links are resolved. */
export const DOCS_DIR = fileURLToPath(new URL('../../docs/', import.meta.url))

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

export function readGuide(): string {
  return readFileSync(GUIDE_PATH, 'utf8')
}

/** The rows of the differences table: the table rows whose first cell holds an anchor. */
export function guideRows(text = readGuide()): GuideRow[] {
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

/** The anchor GitHub gives a heading: lower case, punctuation dropped, spaces as hyphens. */
export function headingSlug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, '')
    .replace(/ /g, '-')
}

/** Every anchor a Markdown text defines: its headings' slugs and its `<a id>` anchors. */
export function anchorsOf(text: string): Set<string> {
  const anchors = new Set<string>()
  for (const match of text.matchAll(/^#{1,6} (.+)$/gm)) anchors.add(headingSlug(match[1] as string))
  for (const match of text.matchAll(/<a id="([^"]+)"><\/a>/g)) anchors.add(match[1] as string)
  return anchors
}

/** A link of the guide: the file it points to (empty for the guide itself) and the anchor. */
export interface GuideLink {
  readonly file: string
  readonly anchor: string
}

/** The `[text](file#anchor)` links of a Markdown text that carry an anchor. */
export function linksOf(text: string): GuideLink[] {
  return [...text.matchAll(/\]\(([^)#\s]*)#([^)\s]+)\)/g)].map((match) => ({
    file: match[1] as string,
    anchor: match[2] as string,
  }))
}

/** The text under a heading, up to the next heading of any level. */
export function sectionOf(text: string, heading: string): string {
  const lines = text.split('\n')
  const start = lines.findIndex((line) => /^#{1,6} /.test(line) && line.replace(/^#+ /, '') === heading)
  if (start === -1) return ''
  const end = lines.findIndex((line, index) => index > start && /^#{1,6} /.test(line))
  return lines.slice(start + 1, end === -1 ? undefined : end).join('\n')
}
