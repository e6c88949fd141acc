import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import * as api from '../src/index.js'

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8')

describe('README', () => {
  const codes = Object.keys(api).filter((name) => name.startsWith('FBI_'))

  it('has error codes to list', () => {
    expect(codes.length).toBeGreaterThan(0)
  })

  it.each(codes)('lists the error %s in its Errors table', (code) => {
    expect(readme).toMatch(new RegExp(`^\\|\\s*\`${code}\`\\s*\\|\\s*500\\s*\\|`, 'm'))
  })

  it.each(['LOG_REQUEST_ID_GENERATE_IF_NOT_FOUND', 'BUILD_NUMBER', 'GIT_HASH', 'ENVIRONMENT'])(
    'documents the variable %s',
    (name) => {
      expect(readme).toMatch(new RegExp(`^\\|\\s*\`${name}\`\\s*\\|`, 'm'))
    },
  )
})
