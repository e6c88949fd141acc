import { readdir } from 'node:fs/promises'
import { basename, extname, resolve } from 'node:path'
import { Migration } from 'node-pg-migrate'

/**
 * The shipped migration names (file names without extension) in the order node-pg-migrate runs
 * them: numeric prefix (13-digit ms or 17-digit UTC timestamp), then natural name order; files
 * starting with "." are ignored, as node-pg-migrate does by default.
 */
export async function shippedMigrations(dir: string): Promise<string[]> {
  const entries = await readdir(resolve(dir), { withFileTypes: true })
  return entries
    .filter((e) => (e.isFile() || e.isSymbolicLink()) && !e.name.startsWith('.'))
    .map((e) => e.name)
    .sort(
      (a, b) =>
        numericPrefix(a) - numericPrefix(b) ||
        a.localeCompare(b, undefined, {
          usage: 'sort',
          numeric: true,
          sensitivity: 'variant',
          ignorePunctuation: true,
        }),
    )
    .map((name) => basename(name, extname(name)))
}

function numericPrefix(fileName: string): number {
  const prefix = fileName.split('_')[0] ?? ''
  if (/^\d{17}$/.test(prefix)) {
    const iso = `${prefix.slice(0, 4)}-${prefix.slice(4, 6)}-${prefix.slice(6, 8)}T${prefix.slice(8, 10)}:${prefix.slice(10, 12)}:${prefix.slice(12, 14)}.${prefix.slice(14, 17)}Z`
    return new Date(iso).valueOf()
  }
  return Number(prefix) || 0
}

/** Create a new, empty migration file and return its path. */
export async function createMigration(
  dir: string,
  name: string,
  language: 'js' | 'sql' = 'js',
): Promise<string> {
  return Migration.create(name, resolve(dir), { language })
}
