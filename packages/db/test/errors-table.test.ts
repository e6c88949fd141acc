import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import * as api from '../src/index.js'

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8')

describe('README Errors table', () => {
  const codes = Object.keys(api).filter((name) => name.startsWith('FBI_'))

  it('exports the catalogue', () => {
    expect(codes.length).toBeGreaterThanOrEqual(9)
  })

  it.each(codes)('lists %s with its status', (code) => {
    const ErrorClass = (api as unknown as Record<string, new (...args: unknown[]) => { statusCode: number }>)[
      code
    ]
    const status = ErrorClass ? new ErrorClass('x', 'y').statusCode : undefined
    expect(readme).toMatch(new RegExp(`^\\|\\s*\`${code}\`\\s*\\|\\s*${status}\\s*\\|`, 'm'))
  })
})
