// @fbi/config's validators compiled ahead of time (Ajv standalone code, the generated
// src/env-validators.generated.ts) against env-schema compiling the same schema when the service
// starts, as the first release did. Each side is a fresh process that imports its validator and
// checks the bench's environment twice (the logger's load and the plugin's, as an fbi service
// does); reported: time from process start to done, medians of interleaved runs, and their ratio.
//
// `pnpm build` first, then `node config-validation.mjs [--runs N]` inside bench/.
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { fbiEnv } from './lib/fixtures.mjs'

const run = promisify(execFile)
const runs = Number(process.argv[process.argv.indexOf('--runs') + 1]) || 15

// The child: a string so that both sides run exactly the same code around their validator.
const child = (side) => `
import { performance } from 'node:perf_hooks'
const { VARIABLES } = await import('../packages/config/dist/variables.js')
const env = ${JSON.stringify(fbiEnv('http://127.0.0.1:9/jwks.json'))}
const groups = [['general', 'jwt'], ['general', 'jwt', 'auth0']]
const started = performance.now()
${
  side === 'env-schema'
    ? `const { default: envSchema } = await import('env-schema')
const { envSchemaOf } = await import('../packages/config/dist/variable-schemas.js')
const check = (specs) => envSchema({ schema: envSchemaOf(specs), data: { ...env }, env: false })`
    : `const { validateEnv } = await import('../packages/config/dist/env-validators.js')
const check = (specs) => { const { values, errors } = validateEnv(env, specs); if (errors.length) throw new Error('invalid'); return values }`
}
for (const names of groups) check(VARIABLES.filter((spec) => names.includes(spec.group)))
process.stdout.write(JSON.stringify({ inProcessMs: performance.now() - started, totalMs: performance.now() }))
`

async function once(side) {
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', child(side)], {
    cwd: import.meta.dirname,
    timeout: 30_000,
  })
  return JSON.parse(stdout)
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]
const samples = { 'env-schema': [], precompiled: [] }
for (let i = 0; i < runs; i++) {
  for (const side of Object.keys(samples)) samples[side].push(await once(side))
}
const row = (side) => {
  const list = samples[side]
  return {
    side,
    importAndCheckMs: median(list.map((s) => s.inProcessMs)).toFixed(1),
    processMs: median(list.map((s) => s.totalMs)).toFixed(1),
  }
}
const [before, after] = [row('env-schema'), row('precompiled')]
console.table([before, after])
console.log(
  `import and two checks: ${(before.importAndCheckMs / after.importAndCheckMs).toFixed(1)}× faster precompiled; ` +
    `whole process: ${before.processMs} → ${after.processMs} ms (${runs} interleaved runs each, medians)`,
)
