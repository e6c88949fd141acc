import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import * as errors from '../src/errors.js'

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8')

describe('README Errors table', () => {
  const codes = Object.keys(errors).filter((name) => name.startsWith('FBI_'))
  it('has codes to check', () => {
    expect(codes.length).toBeGreaterThan(0)
  })
  it.each(codes)('lists %s with its status', (code) => {
    const status = new (
      errors as unknown as Record<string, new (...args: string[]) => { statusCode: number }>
    )[code]!('a', 'b').statusCode
    expect(readme).toMatch(new RegExp(`^\\|\\s*\`${code}\`\\s*\\|\\s*${status}\\s*\\|`, 'm'))
  })
})
