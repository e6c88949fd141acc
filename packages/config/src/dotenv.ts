import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { parseEnv } from 'node:util'
import { FBI_CONFIG_INVALID_OPTION } from './errors.js'

/**
 * The .env file's variables, or none when there is no file to read. Read before the variables are
 * checked, with the environment's, so the production guards, which look at the raw input, see them too.
 */
export function readDotenv(path: string | null): Record<string, string | undefined> {
  if (path === null) return {}
  try {
    return parseEnv(readFileSync(resolve(path), 'utf8'))
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ENOENT') return {}
    const reason = error instanceof Error ? error.message : String(error)
    throw new FBI_CONFIG_INVALID_OPTION('dotenv', `cannot read ${path}: ${reason}`)
  }
}
