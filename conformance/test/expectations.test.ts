import { describe, expect, it } from 'vitest'
import { DIFFERENCES } from '../src/differences.js'
import { AWAITED, EXPECTED, expectedFor, PENDING } from '../src/expectations.js'
import { guideRows } from '../src/guide.js'
import { buildMatrix } from '../src/requests.js'
import { MODES } from '../src/session.js'

// The expectations are data the lead edits by hand: these checks keep them consistent with the
// matrix, with the catalogue of differences and with the migration guide, without any server.

const ids = buildMatrix().map((request) => request.id)
const rows = guideRows()

describe('the request matrix', () => {
  it('is at least as broad as the oracle (111 requests), each id once', () => {
    expect(ids.length).toBeGreaterThanOrEqual(111)
    expect(new Set(ids).size).toBe(ids.length)
  })

  it('ends with /metrics, so that it has counted every other request', () => {
    expect(ids.at(-1)).toBe('monitor.metrics')
  })
})

describe('every difference the suite allows is in the migration guide', () => {
  it('has one row per anchor in the differences table', () => {
    const anchors = rows.map((row) => row.id)
    expect(new Set(anchors).size).toBe(anchors.length)
  })

  it.each([...DIFFERENCES.keys()])('%s has a row whose "restored by" says what the suite knows', (id) => {
    const difference = DIFFERENCES.get(id)
    const row = rows.find((candidate) => candidate.id === id)
    expect(row, `docs/migrating-from-flask-batteries-included.md has no <a id="${id}"></a> row`).toBeDefined()
    const restoredBy = row?.restoredBy ?? ''
    const restore = difference?.restoredBy
    if (restore !== undefined && 'compat' in restore) expect(restoredBy).toContain("`compat: 'flask'`")
    if (restore !== undefined && 'none' in restore) expect(restoredBy).toMatch(/^none\b/)
    if (restore !== undefined && 'option' in restore) expect(restoredBy).toContain(restore.option)
  })
})

describe('expectations.ts', () => {
  const listed = [...DIFFERENCES.values()].filter((difference) => difference.scope === 'listed')

  it('names only rows of the matrix', () => {
    const unknown = [...Object.keys(EXPECTED), ...Object.keys(PENDING)].filter((id) => !ids.includes(id))
    expect(unknown).toEqual([])
  })

  it('lists only differences of the catalogue that are counted per row', () => {
    const named = Object.values(EXPECTED).flatMap((row) => [
      ...(row.both ?? []),
      ...(row.default ?? []),
      ...(row.compat ?? []),
    ])
    const wrong = named.filter((id) => DIFFERENCES.get(id)?.scope !== 'listed')
    expect(wrong).toEqual([])
  })

  it('uses every listed difference of the catalogue on some row (no dead entry)', () => {
    const used = new Set(ids.flatMap((id) => MODES.flatMap((mode) => expectedFor(id, mode))))
    expect(listed.map((difference) => difference.id).filter((id) => !used.has(id))).toEqual([])
  })

  it('expects in compat mode only the unavoidable differences: those nothing restores', () => {
    const restorableButExpected = ids.flatMap((id) =>
      expectedFor(id, 'compat')
        .filter((name) => {
          const restore = DIFFERENCES.get(name)?.restoredBy
          return restore === undefined || !('none' in restore)
        })
        .map((name) => `${id}: ${name}`),
    )
    expect(restorableButExpected).toEqual([])
  })

  it('drops in compat mode only differences that something restores', () => {
    const unrestorable = ids.flatMap((id) => {
      const compat = expectedFor(id, 'compat')
      return expectedFor(id, 'default')
        .filter((name) => !compat.includes(name))
        .filter((name) => {
          const restore = DIFFERENCES.get(name)?.restoredBy
          return restore === undefined || 'none' in restore
        })
        .map((name) => `${id}: ${name}`)
    })
    expect(unrestorable).toEqual([])
  })

  it('gives every pending row the awaited work and the problems it shows today', () => {
    for (const [id, pending] of Object.entries(PENDING)) {
      expect(pending.awaits.length, id).toBeGreaterThan(0)
      for (const key of pending.awaits) expect(AWAITED[key], `${id} awaits ${key}`).toBeDefined()
      const modes = MODES.filter((mode) => pending[mode] !== undefined)
      expect(modes.length, id).toBeGreaterThan(0)
      for (const mode of modes) expect(pending[mode]?.length, `${id} ${mode}`).toBeGreaterThan(0)
    }
  })
})
