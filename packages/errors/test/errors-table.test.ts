import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import * as api from '../src/index.js'

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8')

describe('README Errors table', () => {
  const codes = [
    ...Object.keys(api).filter((name) => name.startsWith('FBI_')),
    ...[api.BadRequest, api.AuthMissing, api.Forbidden, api.EntityNotFound, api.DuplicateResource]
      .concat([api.UnprocessableEntity, api.NotImplemented, api.ServiceUnavailable])
      .map((ErrorClass) => new ErrorClass().code),
  ]
  it.each(codes)('lists %s', (code) => {
    expect(readme).toMatch(new RegExp(`^\\| \`${code}\` \\|`, 'm'))
  })
})
