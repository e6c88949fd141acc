#!/usr/bin/env node
// Validates examples/patients-service/k8s/*.yaml without a cluster:
//
//   node bench/deploy/check-manifests.mjs
//
// 1. Schema: each object against the Kubernetes API's JSON schema for its kind (kubernetes-models,
//    generated from the Kubernetes OpenAPI document; ajv underneath): types, required fields, enums.
// 2. Unknown fields: the schema admits any extra field (as the API server's non-strict decoding
//    does), so a misspelt `livenesProbe` would pass it. Each object is also typechecked as an object
//    literal of the same package's TypeScript type (tsc --strict): excess properties are errors.
// 3. fbi's wiring (lib/manifest-policy.mjs): probes on /running and /healthcheck, the grace period
//    above fbi's shutdown delay and timeout, non-root, read-only root filesystem, resources, and the
//    Service, PodDisruptionBudget and Deployment selecting the same pods.
// A self-test first shows each layer rejecting a manifest that breaks it.
import { execFile } from 'node:child_process'
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { parseAllDocuments } from 'yaml'
import { checkPolicy } from './lib/manifest-policy.mjs'

const HERE = fileURLToPath(new URL('.', import.meta.url))
const DIR = fileURLToPath(new URL('../../examples/patients-service/k8s/', import.meta.url))
const TSC = fileURLToPath(new URL('../node_modules/.bin/tsc', import.meta.url))

// apiVersion/kind → the kubernetes-models module and type of that kind.
const KINDS = Object.freeze({
  'apps/v1 Deployment': ['kubernetes-models/apps/v1/Deployment', 'Deployment', 'IDeployment'],
  'v1 Service': ['kubernetes-models/v1/Service', 'Service', 'IService'],
  'v1 ConfigMap': ['kubernetes-models/v1/ConfigMap', 'ConfigMap', 'IConfigMap'],
  'policy/v1 PodDisruptionBudget': [
    'kubernetes-models/policy/v1/PodDisruptionBudget',
    'PodDisruptionBudget',
    'IPodDisruptionBudget',
  ],
})

async function load() {
  const objects = []
  const problems = []
  for (const file of (await readdir(DIR)).filter((f) => /\.ya?ml$/.test(f)).sort()) {
    for (const doc of parseAllDocuments(await readFile(`${DIR}${file}`, 'utf8'))) {
      // yaml reports duplicate keys and syntax errors here.
      for (const error of [...doc.errors, ...doc.warnings]) problems.push(`${file}: ${error.message}`)
      const object = doc.toJS()
      if (object !== null) objects.push({ file, object })
    }
  }
  return { objects, problems }
}

async function schemaProblems(objects) {
  const problems = []
  for (const { file, object } of objects) {
    const kind = KINDS[`${object.apiVersion} ${object.kind}`]
    if (kind === undefined) {
      problems.push(`${file}: no schema known for ${object.apiVersion} ${object.kind}`)
      continue
    }
    const Model = (await import(kind[0]))[kind[1]]
    try {
      new Model(object).validate()
    } catch (error) {
      problems.push(`${file}: ${object.kind} ${object.metadata?.name}: ${error.message}`)
    }
  }
  return problems
}

/** Typechecks every object as a literal of its kubernetes-models type; excess properties fail. */
async function unknownFieldProblems(objects) {
  // Inside bench/, so `kubernetes-models` resolves from bench/node_modules.
  const dir = await mkdtemp(`${HERE}.manifest-types-`)
  try {
    const imports = new Set()
    const lines = []
    objects.forEach(({ file, object }, i) => {
      const kind = KINDS[`${object.apiVersion} ${object.kind}`]
      if (kind === undefined) return
      imports.add(`import type { ${kind[2]} } from '${kind[0]}'`)
      lines.push(`// ${file}`, `export const m${i}: ${kind[2]} = ${JSON.stringify(object, null, 2)}`)
    })
    await writeFile(`${dir}/manifests.ts`, `${[...imports].join('\n')}\n\n${lines.join('\n')}\n`)
    await writeFile(
      `${dir}/tsconfig.json`,
      JSON.stringify({
        compilerOptions: {
          strict: true,
          noEmit: true,
          module: 'nodenext',
          moduleResolution: 'nodenext',
          target: 'es2022',
          skipLibCheck: true,
          types: [],
        },
        files: ['manifests.ts'],
      }),
    )
    try {
      await promisify(execFile)(TSC, ['-p', dir], { timeout: 120_000 })
      return []
    } catch (error) {
      if (error.stdout === undefined) throw error
      // "manifests.ts(12,7): error TS2353: Object literal may only specify known properties, …"
      return error.stdout
        .split('\n')
        .filter((line) => line.includes('error TS'))
        .map((line) => line.replace(/^.*manifests\.ts/, 'manifests'))
    }
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

async function check(objects) {
  return {
    schema: await schemaProblems(objects),
    types: await unknownFieldProblems(objects),
    policy: checkPolicy(objects.map((o) => o.object)),
  }
}

/** Each mutation of the real manifests must be rejected by the layer named: each layer can fail. */
async function selfTest(objects) {
  const deployment = (list) => list.find((o) => o.object.kind === 'Deployment').object
  const container = (list) => deployment(list).spec.template.spec.containers[0]
  const mutations = [
    ['schema', 'a port number as text', (l) => (container(l).ports[0].containerPort = '5000')],
    ['schema', 'a probe without its required port', (l) => delete container(l).readinessProbe.httpGet.port],
    ['types', 'a misspelt field', (l) => (container(l).imagePullPolicyy = 'Always')],
    ['types', 'a field at the wrong level', (l) => (deployment(l).spec.terminationGracePeriodSeconds = 20)],
    ['policy', 'liveness on /healthcheck', (l) => (container(l).livenessProbe.httpGet.path = '/healthcheck')],
    [
      'policy',
      'a grace period below the shutdown',
      (l) => (deployment(l).spec.template.spec.terminationGracePeriodSeconds = 10),
    ],
    [
      'policy',
      'a writable root filesystem',
      (l) => (container(l).securityContext.readOnlyRootFilesystem = false),
    ],
    [
      'policy',
      'a PDB selecting other pods',
      (l) => {
        l.find((o) => o.object.kind === 'PodDisruptionBudget').object.spec.selector.matchLabels = { app: 'x' }
      },
    ],
  ]
  const failures = []
  for (const [layer, what, mutate] of mutations) {
    const copy = structuredClone(objects)
    mutate(copy)
    const found = (await check(copy))[layer]
    if (found.length === 0) failures.push(`self-test: ${what} passed the ${layer} check`)
  }
  return failures
}

const { objects, problems } = await load()
const kinds = objects.map((o) => o.object.kind).join(', ')
console.log(`${objects.length} objects in examples/patients-service/k8s: ${kinds}`)
const result = await check(objects)
problems.push(...(await selfTest(objects)), ...result.schema, ...result.types, ...result.policy)
for (const problem of problems) console.log(`  FAIL ${problem}`)
console.log(problems.length === 0 ? 'check-manifests: ok' : `check-manifests: ${problems.length} problem(s)`)
process.exitCode = problems.length === 0 ? 0 : 1
