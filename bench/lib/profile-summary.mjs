// Where the time goes in a .cpuprofile: self time per function and per package, and time with each
// package on the stack (a sample counts once for every package on it).
// `node lib/profile-summary.mjs FILE`; `node run.mjs --profile N` prints it too.
import { readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'

/** The package a script belongs to: an npm package, an fbi package, node's internals, or the bench. */
export function packageOf(url) {
  if (url === '') return '(native / V8)'
  if (url.startsWith('node:')) return 'node internals'
  const modules = url.lastIndexOf('/node_modules/')
  if (modules !== -1) {
    const [scope, name] = url.slice(modules + '/node_modules/'.length).split('/')
    return scope.startsWith('@') ? `${scope}/${name}` : scope
  }
  const fbi = url.match(/\/packages\/([^/]+)\//)
  if (fbi) return `@fbi/${fbi[1]}`
  if (url.includes('/bench/')) return 'bench server'
  return url
}

export function summarise(profile, top = 25) {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]))
  const parent = new Map()
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id)

  const self = new Map()
  const selfByPackage = new Map()
  const inside = new Map()
  let total = 0
  profile.samples.forEach((id, i) => {
    const ms = (profile.timeDeltas[i] ?? 0) / 1000
    total += ms
    const node = byId.get(id)
    const frame = node.callFrame
    const where = `${frame.functionName || '(anonymous)'} ${packageOf(frame.url)}:${frame.lineNumber + 1}`
    self.set(where, (self.get(where) ?? 0) + ms)
    const pkg = packageOf(frame.url)
    selfByPackage.set(pkg, (selfByPackage.get(pkg) ?? 0) + ms)
    const seen = new Set()
    for (let at = id; at !== undefined; at = parent.get(at)) {
      const { url, functionName } = byId.get(at).callFrame
      if (functionName === '(root)') continue
      seen.add(packageOf(url))
    }
    for (const pkg of seen) inside.set(pkg, (inside.get(pkg) ?? 0) + ms)
  })
  const rank = (map) =>
    [...map]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, ms]) => `${((ms / total) * 100).toFixed(1).padStart(5)} %  ${name}`)
  return [
    `${Math.round(total)} ms sampled`,
    '',
    'self time, by function:',
    ...rank(self),
    '',
    'self time, by package:',
    ...rank(selfByPackage),
    '',
    // Fastify hooks call the next step from inside themselves, so a hook's package also "contains"
    // whatever runs after it (the reply write, for an onSend hook): read this as an upper bound.
    'time with the package on the stack (inclusive, an upper bound):',
    ...rank(inside),
  ].join('\n')
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const file = process.argv[2]
  if (file === undefined) {
    console.error('usage: node lib/profile-summary.mjs FILE.cpuprofile')
    process.exit(2)
  }
  console.log(summarise(JSON.parse(await readFile(file, 'utf8'))))
}
