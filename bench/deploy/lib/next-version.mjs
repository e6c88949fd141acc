// The next version of the service, for round 1 of the deploy: the same build plus one migration, as
// a real release often is. Expand-only (an index), so the old instances keep working beside it while
// the new ones roll out; the first new instance applies it under live traffic.
import { cp, readdir, symlink, writeFile } from 'node:fs/promises'

const NEXT_MIGRATION = '1900000000000_deploy-harness-last-name-index'

const MIGRATION = `/** Added by the rolling-deploy harness: the next version's migration, expand-only. */
export const up = (pgm) => {
  pgm.createIndex('patients', 'last_name')
}

export const down = (pgm) => {
  pgm.dropIndex('patients', 'last_name')
}
`

/** Copies the service in `serviceDir` to `targetDir` (node_modules linked, not copied) and adds the migration. */
export async function prepareNextVersion(serviceDir, targetDir) {
  for (const entry of await readdir(serviceDir)) {
    if (entry === 'node_modules') {
      await symlink(`${serviceDir}/node_modules`, `${targetDir}/node_modules`)
    } else {
      await cp(`${serviceDir}/${entry}`, `${targetDir}/${entry}`, { recursive: true })
    }
  }
  await writeFile(`${targetDir}/migrations/${NEXT_MIGRATION}.mjs`, MIGRATION)
  return targetDir
}
