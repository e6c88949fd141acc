import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import * as api from '../src/index.js'

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8')

describe('README Errors table', () => {
  const codes = [
    ...Object.keys(api).filter((name) => name.startsWith('FBI_')),
    ...[
      new api.BadRequest(),
      new api.AuthMissing(),
      new api.Forbidden(),
      new api.EntityNotFound(),
      new api.DuplicateResource(),
      new api.UnprocessableEntity(),
      new api.NotImplemented(),
      new api.ServiceUnavailable(),
    ].map((error) => error.code),
  ]
  it.each(codes)('lists %s', (code) => {
    expect(readme).toMatch(new RegExp(`^\\|\\s*\`${code}\`\\s*\\|`, 'm'))
  })
})
