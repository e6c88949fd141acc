// What the example's Kubernetes manifests must say for fbi to behave in a cluster as it does behind
// HAProxy in the rolling-deploy harness. The schema cannot know any of it.

// @fbi/monitoring's defaults (its README: gracefulShutdown, healthCheckTimeoutMs), which the example
// keeps. The package does not export them; change these with it.
const SHUTDOWN_DELAY_S = 5
const SHUTDOWN_TIMEOUT_S = 10
const HEALTH_CHECK_TIMEOUT_S = 5
// The image's USER (examples/patients-service/Dockerfile).
const IMAGE_UID = 1000

const sameLabels = (a = {}, b = {}) =>
  Object.keys(a).length > 0 && Object.entries(a).every(([key, value]) => b[key] === value)

/** Problems with the objects' wiring, as sentences; none when they are right. */
export function checkPolicy(objects) {
  const problems = []
  const deployments = objects.filter((o) => o.kind === 'Deployment')
  if (deployments.length !== 1) return [`expected one Deployment, found ${deployments.length}`]
  const deployment = deployments[0]
  const pod = deployment.spec?.template?.spec ?? {}
  const podLabels = deployment.spec?.template?.metadata?.labels
  const container = pod.containers?.[0] ?? {}
  const ports = new Map((container.ports ?? []).map((p) => [p.name, p.containerPort]))
  const say = (what) => problems.push(`Deployment ${deployment.metadata?.name}: ${what}`)

  const replicas = deployment.spec?.replicas ?? 1
  if (replicas < 2) say(`${replicas} replica(s): a rollout or a node drain would take the service down`)
  const rolling = deployment.spec?.strategy?.rollingUpdate
  if (deployment.spec?.strategy?.type !== 'RollingUpdate' || String(rolling?.maxUnavailable) !== '0') {
    say('the rollout may remove a pod before its replacement is ready (RollingUpdate with maxUnavailable 0)')
  }
  if (!sameLabels(deployment.spec?.selector?.matchLabels, podLabels)) {
    say("the selector does not match the pod template's labels")
  }

  const probes = [
    ['startupProbe', '/running', 'startup waits for the server to listen'],
    ['livenessProbe', '/running', 'liveness must not depend on the database'],
    ['readinessProbe', '/healthcheck/ready', 'readiness is the readiness group (database, shutdown)'],
  ]
  for (const [name, path, why] of probes) {
    const probe = container[name]
    if (probe?.httpGet?.path !== path) {
      say(`${name} is on ${probe?.httpGet?.path ?? 'nothing'}, not ${path}: ${why}`)
      continue
    }
    const port = probe.httpGet.port
    if (!(typeof port === 'string' ? ports.has(port) : [...ports.values()].includes(port))) {
      say(`${name} probes port ${port}, which the container does not declare`)
    }
  }
  const readinessTimeout = container.readinessProbe?.timeoutSeconds ?? 1
  if (readinessTimeout <= HEALTH_CHECK_TIMEOUT_S) {
    say(
      `readinessProbe.timeoutSeconds ${readinessTimeout} is not above fbi's health check timeout (${HEALTH_CHECK_TIMEOUT_S} s): a slow database flaps the pod instead of failing its check`,
    )
  }

  const grace = pod.terminationGracePeriodSeconds ?? 30
  if (grace <= SHUTDOWN_DELAY_S + SHUTDOWN_TIMEOUT_S) {
    say(
      `terminationGracePeriodSeconds ${grace} is not above fbi's shutdown (delay ${SHUTDOWN_DELAY_S} s + timeout ${SHUTDOWN_TIMEOUT_S} s): the kubelet would SIGKILL a pod still draining`,
    )
  }

  const podSecurity = pod.securityContext ?? {}
  const security = container.securityContext ?? {}
  if ((security.runAsNonRoot ?? podSecurity.runAsNonRoot) !== true) say('runAsNonRoot is not set')
  if ((security.runAsUser ?? podSecurity.runAsUser) !== IMAGE_UID)
    say(`runAsUser is not the image's uid ${IMAGE_UID}`)
  if (security.readOnlyRootFilesystem !== true) say('the root filesystem is writable')
  if (security.allowPrivilegeEscalation !== false) say('privilege escalation is allowed')
  if (!(security.capabilities?.drop ?? []).includes('ALL')) say('capabilities are not all dropped')

  const resources = container.resources ?? {}
  for (const key of ['requests.cpu', 'requests.memory', 'limits.memory']) {
    const [kind, name] = key.split('.')
    if (resources[kind]?.[name] === undefined) say(`no resources.${key}`)
  }

  for (const service of objects.filter((o) => o.kind === 'Service')) {
    if (!sameLabels(service.spec?.selector, podLabels)) {
      problems.push(`Service ${service.metadata?.name}: its selector does not match the pods`)
    }
    for (const port of service.spec?.ports ?? []) {
      if (typeof port.targetPort === 'string' && !ports.has(port.targetPort)) {
        problems.push(
          `Service ${service.metadata?.name}: targetPort ${port.targetPort} is not a container port`,
        )
      }
    }
  }
  const budgets = objects.filter((o) => o.kind === 'PodDisruptionBudget')
  if (budgets.length === 0) problems.push('no PodDisruptionBudget: a node drain may evict every pod at once')
  for (const budget of budgets) {
    if (!sameLabels(budget.spec?.selector?.matchLabels, podLabels)) {
      problems.push(`PodDisruptionBudget ${budget.metadata?.name}: its selector does not match the pods`)
    }
    if (budget.spec?.minAvailable !== undefined && Number(budget.spec.minAvailable) >= replicas) {
      problems.push(
        `PodDisruptionBudget ${budget.metadata?.name}: minAvailable ${budget.spec.minAvailable} blocks every drain`,
      )
    }
  }
  return problems
}
