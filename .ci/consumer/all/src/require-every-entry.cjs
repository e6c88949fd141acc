// Every entry point of every installed @fbi package, loaded with require() (Node.js 20.19+ loads an
// ES module without top-level await this way): the `default` export condition of each.
const { readdirSync, readFileSync } = require('node:fs')
const { join } = require('node:path')

const scope = join(__dirname, '..', 'node_modules', '@fbi')
const loaded = []
for (const name of readdirSync(scope)) {
  const manifest = JSON.parse(readFileSync(join(scope, name, 'package.json'), 'utf8'))
  for (const subpath of Object.keys(manifest.exports)) {
    if (subpath.endsWith('.json')) continue
    const specifier = `@fbi/${name}${subpath.slice(1)}`
    const exports = require(specifier)
    if (Object.keys(exports).length === 0) throw new TypeError(`${specifier} exports nothing`)
    loaded.push(specifier)
  }
}
if (loaded.length < 7) throw new TypeError(`only ${loaded.length} entry points found`)
console.log(`consumer ok: require() of ${loaded.length} entry points: ${loaded.join(' ')}`)
