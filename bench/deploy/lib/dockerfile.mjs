// The Dockerfile read by a real parser (dockerfile-ast) and linted by dockerfile-utils (the parser
// and linter of the Docker language server), then checked for what this image promises: multi-stage,
// production dependencies from `pnpm deploy --prod`, no package manager or sources in the final
// stage, a numeric non-root user, a HEALTHCHECK on /running.
import { DockerfileParser } from 'dockerfile-ast'
import { validate } from 'dockerfile-utils'

/** The Dockerfile's stages, each { name, from, instructions } in order. */
function stagesOf(dockerfile) {
  const stages = []
  for (const instruction of dockerfile.getInstructions()) {
    if (instruction.getKeyword() === 'FROM') {
      stages.push({ name: instruction.getBuildStage(), from: instruction.getImage(), instructions: [] })
    } else if (stages.length > 0) {
      stages.at(-1).instructions.push(instruction)
    }
  }
  return stages
}

const argumentsOf = (instruction) => instruction.getArguments().map((a) => a.getValue())
const flag = (instruction, name) =>
  instruction
    .getFlags?.()
    .find((f) => f.getName() === name)
    ?.getValue()
/** A RUN's shell command, the instruction's own leading flags (--mount=…) left out, as one line. */
function commandOf(instruction) {
  const args = argumentsOf(instruction)
  const first = args.findIndex((a) => !a.startsWith('--'))
  return args.slice(first === -1 ? args.length : first).join(' ')
}

/** An exec-form instruction's strings (CMD ["node", "x"]), or undefined in shell form. */
function execForm(instruction) {
  const strings = instruction.getJSONStrings?.() ?? []
  return strings.length > 0 ? strings.map((s) => s.getJSONValue()) : undefined
}

/** HEALTHCHECK [options] CMD ["…"]: the command's strings (exec form is a JSON array), or undefined. */
function healthcheckCommand(instruction) {
  const content = instruction.getArgumentsContent() ?? ''
  const at = content.search(/\bCMD\s+\[/)
  if (at === -1) return undefined
  try {
    const strings = JSON.parse(content.slice(at + 3).trim())
    return Array.isArray(strings) && strings.every((x) => typeof x === 'string') ? strings : undefined
  } catch {
    return undefined
  }
}

/**
 * Parses and checks `content`. Returns { problems, build, final } where `build` has the build
 * stage's commands (split on &&) and `final` the final stage's copies, user, healthcheck and cmd.
 */
export function checkDockerfile(content) {
  const problems = []
  for (const d of validate(content)) {
    problems.push(`line ${d.range.start.line + 1}: ${d.message} (dockerfile-utils)`)
  }
  const stages = stagesOf(DockerfileParser.parse(content))
  if (stages.length < 2) problems.push('not multi-stage: the final image must not be the build stage')
  const final = stages.at(-1)
  const buildStages = stages.slice(0, -1)
  const named = new Map(buildStages.map((s) => [s.name, s]))
  if (stages.some((s, i) => i < stages.length - 1 && s.name === null)) {
    problems.push('every build stage needs a name (FROM … AS name)')
  }
  if (named.has(final.from)) problems.push(`the final stage starts FROM the build stage ${final.from}`)

  const keywordsIn = (stage, keyword) => stage?.instructions.filter((i) => i.getKeyword() === keyword) ?? []
  const build = buildStages.at(-1)
  const commands = build
    ? keywordsIn(build, 'RUN').flatMap((run) =>
        commandOf(run)
          .split('&&')
          .map((c) => c.trim()),
      )
    : []
  const deploy = commands.find((c) => /^pnpm (.* )?deploy (.* )?--prod\b/.test(c))
  if (deploy === undefined) problems.push('the build stage has no `pnpm … deploy --prod`')
  const out = deploy?.split(' ').at(-1)

  const copies = keywordsIn(final, 'COPY').map((copy) => {
    const args = argumentsOf(copy).filter((a) => !a.startsWith('--'))
    return { from: flag(copy, 'from'), sources: args.slice(0, -1), target: args.at(-1) }
  })
  for (const copy of copies) {
    if (!named.has(copy.from)) {
      problems.push(
        `the final stage copies ${copy.sources.join(' ')} from the build context, not from a build stage`,
      )
    } else if (!copy.sources.every((s) => out !== undefined && (s === out || s.startsWith(`${out}/`)))) {
      problems.push(`the final stage copies ${copy.sources.join(' ')}, not from the deploy output ${out}`)
    }
  }
  for (const run of keywordsIn(final, 'RUN')) {
    // Paths (what an `rm` removes) left out: a package manager's name as a command is what counts.
    if (/\b(npm|pnpm|yarn|npx|corepack)\b/.test(commandOf(run).replace(/\/\S+/g, ''))) {
      problems.push(`the final stage runs a package manager: ${commandOf(run)}`)
    }
  }
  const removesPackageManagers = keywordsIn(final, 'RUN').some((run) =>
    ['/usr/local/bin/npm', '/usr/local/bin/npx', '/usr/local/bin/corepack', '/usr/local/bin/yarn'].every(
      (p) => commandOf(run).includes(p),
    ),
  )
  if (!removesPackageManagers)
    problems.push("the final stage keeps the base image's npm, npx, corepack and yarn")

  const user = keywordsIn(final, 'USER').at(-1)?.getArguments()[0]?.getValue()
  const uid = user?.split(':')[0]
  if (uid === undefined || !/^\d+$/.test(uid) || uid === '0') {
    problems.push(`the final stage's USER is ${user ?? 'not set'}: it must be a numeric non-root uid`)
  }
  const healthcheck = keywordsIn(final, 'HEALTHCHECK').at(-1)
  const healthcheckCmd = healthcheck ? healthcheckCommand(healthcheck) : undefined
  if (healthcheckCmd === undefined || !healthcheckCmd.join(' ').includes('/running')) {
    problems.push('the final stage has no exec-form HEALTHCHECK on /running')
  }
  const cmd = keywordsIn(final, 'CMD').at(-1)
  const cmdArgs = cmd ? execForm(cmd) : undefined
  if (cmdArgs?.[0] !== 'node')
    problems.push('CMD is not an exec-form `node …` (signals must reach node itself)')
  const workdir = keywordsIn(final, 'WORKDIR').at(-1)?.getArguments()[0]?.getValue()
  const env = Object.fromEntries(
    keywordsIn(final, 'ENV').flatMap((e) => e.getProperties().map((p) => [p.getName(), p.getValue()])),
  )

  return {
    problems,
    build: { workdir: keywordsIn(build, 'WORKDIR').at(-1)?.getArguments()[0]?.getValue(), commands, out },
    final: { workdir, copies, user, healthcheckCmd, cmd: cmdArgs, env },
  }
}
