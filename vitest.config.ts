import { readFileSync } from 'node:fs'
import { defineConfig } from 'vitest/config'

// The package list is written once, in tsconfig.json's project references: every referenced
// package or example gets a vitest project named after its folder, so `vitest --project security`
// runs one battery's suite. The `fbi-source` export condition makes a package's tests import its
// sibling packages from source, so a test never runs against a stale `dist/`.
const references: { path: string }[] = JSON.parse(readFileSync('tsconfig.json', 'utf8')).references
const roots = references.map((reference) => reference.path)

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
    projects: roots.map((root) => ({
      extends: true as const,
      test: {
        name: root.slice(root.lastIndexOf('/') + 1),
        root,
        include: ['test/**/*.test.ts'],
        // The public types are checked by the type checker: `*.test-d.ts` files run under `vitest run`.
        typecheck: { enabled: true, include: ['test/**/*.test-d.ts'], tsconfig: '../../tsconfig.test.json' },
      },
    })),
  },
})
