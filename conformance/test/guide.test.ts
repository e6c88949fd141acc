import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { DIFFERENCES } from '../src/differences.js'
import { expectedFor } from '../src/expectations.js'
import { anchorsOf, DOCS_DIR, linksOf, readGuide, sectionOf } from '../src/guide.js'
import { buildMatrix } from '../src/requests.js'

// The migration guide is read by teams moving a service: its links must lead somewhere, and its
// list of what compat mode leaves different must be the suite's, no more and no less.

const guide = readGuide()
const links = linksOf(guide)

describe('the links of the migration guide', () => {
  it('lead to an anchor of the guide itself', () => {
    const anchors = anchorsOf(guide)
    const broken = links.filter((link) => link.file === '' && !anchors.has(link.anchor))
    expect(broken).toEqual([])
  })

  it('lead to a heading of the package README they name', () => {
    const broken = links
      .filter((link) => link.file !== '')
      .filter((link) => !anchorsOf(readFileSync(join(DOCS_DIR, link.file), 'utf8')).has(link.anchor))
    expect(broken).toEqual([])
  })

  it.each([
    ['../packages/security/README.md', 'running-beside-flask-services-compat-flask'],
    ['../packages/db/README.md', 'taking-over-a-database-a-flask-service-migrated'],
    ['../packages/db/README.md', 'scaling-out'],
  ])('include %s#%s', (file, anchor) => {
    expect(links).toContainEqual({ file, anchor })
  })
})

describe("the guide's list of what stays different with compat: 'flask'", () => {
  const listed = (heading: string) =>
    linksOf(sectionOf(guide, heading))
      .filter((link) => link.file === '')
      .map((link) => link.anchor)
      .sort()

  it('names exactly the differences the suite allows in compat mode', () => {
    const ids = buildMatrix().map((request) => request.id)
    const allowed = new Set([
      ...[...DIFFERENCES.values()]
        .filter((difference) => difference.scope === 'any-row' && 'none' in difference.restoredBy)
        .map((difference) => difference.id),
      ...ids.flatMap((id) => expectedFor(id, 'compat')),
    ])
    expect(listed("What stays different with `compat: 'flask'`")).toEqual([...allowed].sort())
  })
})
