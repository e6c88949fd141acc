import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import * as api from '../src/index.js'

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8')

type ErrorConstructor = new (...args: string[]) => { code: string; statusCode: number }

describe('README Errors table', () => {
  const catalogue = Object.entries(api).filter(([name]) => name.startsWith('FBI_SCHEMA_')) as Array<
    [string, ErrorConstructor]
  >

  it('exports the catalogue', () => {
    expect(catalogue.map(([name]) => name).sort()).toEqual([
      'FBI_SCHEMA_APP_MODULE',
      'FBI_SCHEMA_INVALID_OPENAPI',
      'FBI_SCHEMA_INVALID_OPTION',
      'FBI_SCHEMA_NON_ERROR_THROWN',
      'FBI_SCHEMA_NO_OPENAPI',
      'FBI_SCHEMA_UNFORMATTABLE_DATE',
      'FBI_SCHEMA_VALIDATOR_FAILED',
      'FBI_SCHEMA_VALIDATOR_IN_USE',
    ])
  })

  it.each(catalogue)('lists %s with its status', (name, ErrorClass) => {
    const error = new ErrorClass('a', 'b')
    expect(error.code).toBe(name)
    expect(readme).toMatch(new RegExp(`^\\|\\s*\`${name}\`\\s*\\|\\s*${error.statusCode}\\s*\\|`, 'm'))
  })
})
