import { defineConfig } from 'vitest/config'

// One vitest project per package, so `vitest --project security` runs one battery's suite.
// The `fbi-source` export condition makes a package's tests import its sibling packages from
// source, so a test never runs against a stale `dist/`.
const packages = ['config', 'errors', 'schema', 'monitoring', 'security', 'db', 'all']

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
    projects: [
      ...packages.map((name) => ({
        extends: true as const,
        test: { name, root: `packages/${name}`, include: ['test/**/*.test.ts'] },
      })),
      {
        extends: true as const,
        test: { name: 'patients-service', root: 'examples/patients-service', include: ['test/**/*.test.ts'] },
      },
    ],
  },
})
