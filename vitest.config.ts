import { readFileSync } from 'node:fs'
import { relative } from 'node:path'
import { defineConfig } from 'vitest/config'

// The package list is written once, in tsconfig.json's project references: every referenced
// package or example gets a vitest project named after its folder, so `vitest --project security`
// runs one battery's suite. The `fbi-source` export condition makes a package's tests import its
// sibling packages from source, so a test never runs against a stale `dist/`.
const references: { path: string }[] = JSON.parse(readFileSync('tsconfig.json', 'utf8')).references
const roots = references.map((reference) => reference.path)

// Against a real PostgreSQL (FBI_TEST_DATABASE_URL, as CI runs) the suites that need more than Node
// run too, and fail loudly when what they need is missing: `*.postgres.test.ts` (PgBouncer in front
// of that server, FBI_TEST_PGBOUNCER_URL) and the conformance project (the original Flask Batteries
// Included from ../shared/oracle, on python3). On a machine with only Node they are left out, and
// said so here rather than counted as skipped.
const realServer = Boolean(process.env.FBI_TEST_DATABASE_URL)
const SERVER_ONLY_PROJECTS = new Set(['conformance'])
if (!realServer) {
  console.log(
    'fbi: FBI_TEST_DATABASE_URL is not set: the database tests use the embedded PGlite, and the conformance and PgBouncer suites are not run (see README: Tests)',
  )
}

// CI asks for a JSON report through FBI_VITEST_JSON (a path): passing --reporter through `pnpm test`
// does not work, since pnpm takes --reporter as its own option.
const jsonReport = process.env.FBI_VITEST_JSON

export default defineConfig({
  resolve: { conditions: ['fbi-source'] },
  ssr: { resolve: { conditions: ['fbi-source'] } },
  test: {
    testTimeout: 20_000,
    reporters: jsonReport ? ['default', 'json'] : ['default'],
    ...(jsonReport && { outputFile: { json: jsonReport } }),
    hookTimeout: 60_000,
    coverage: {
      provider: 'v8',
      include: ['packages/*/src/**/*.ts'],
      reporter: ['text-summary', 'json-summary'],
    },
    projects: roots
      .map((root) => ({ root, name: root.slice(root.lastIndexOf('/') + 1) }))
      .filter(({ name }) => realServer || !SERVER_ONLY_PROJECTS.has(name))
      .map(({ root, name }) => ({
        extends: true as const,
        test: {
          name,
          root,
          include: ['test/**/*.test.ts'],
          exclude: realServer ? [] : ['test/**/*.postgres.test.ts'],
          // The public types are checked by the type checker: `*.test-d.ts` files run under `vitest run`.
          typecheck: {
            enabled: true,
            include: ['test/**/*.test-d.ts'],
            tsconfig: `${relative(root, '.')}/tsconfig.test.json`,
          },
        },
      })),
  },
})
