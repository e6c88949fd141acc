import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import * as api from '../src/index.js'

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8')

describe('README', () => {
  it.each(Object.keys(api).filter((name) => name.startsWith('FBI_')))('lists the error %s', (code) => {
    expect(readme).toMatch(new RegExp(`^\\|\\s*\`${code}\`\\s*\\|`, 'm'))
  })

  it.each(api.VARIABLES.map((spec) => spec.name))('documents the variable %s', (name) => {
    expect(readme).toMatch(new RegExp(`^\\|\\s*\`${name}\`\\s*\\|`, 'm'))
  })
})
