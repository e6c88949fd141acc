/** One (method, URL) of the router, with the constraints it was registered with. */
export interface TableRoute {
  readonly method: string
  readonly url: string
  readonly constraints: Readonly<Record<string, unknown>> | undefined
}

/** A line `printRoutes()` wrote that this reader does not understand. */
export class UnreadableRouteTable {
  readonly line: string
  constructor(line: string) {
    this.line = line
  }
}

// `<indent><branch><segment>[ (<METHOD>, …)][ <constraints JSON>]`: indent is one 4-character
// column per level ("│   " or four spaces), branch is "├── " or "└── " for a node and absent for
// a second line of the same node (other methods or constraints).
const LINE = /^((?:│ {3}| {4})*)(├── |└── )?(.*)$/
const NODE = /^(.*?)(?: \(([A-Z]+(?:, [A-Z]+)*)\))?(?: (\{.*\}))?$/

/**
 * Reads the text of `app.printRoutes()` (find-my-way's prettyPrint of the whole route table, the
 * only public door to every route): each node's segment is appended to its parent's path, and each
 * method listed on a node is a route. Throws UnreadableRouteTable on a line it cannot place, so a
 * change of format fails closed instead of hiding a route.
 */
export function readRouteTree(text: string): TableRoute[] {
  const routes: TableRoute[] = []
  // path and segment of the last node seen at each depth
  const stack: { path: string; segment: string }[] = []
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue
    const match = LINE.exec(line)
    if (match === null) throw new UnreadableRouteTable(line)
    const columns = (match[1] as string).length / 4
    const node = NODE.exec(match[3] as string)
    if (node === null) throw new UnreadableRouteTable(line)
    const segment = node[1] as string
    let path: string
    if (match[2] !== undefined) {
      if (columns > stack.length) throw new UnreadableRouteTable(line)
      path = (columns === 0 ? '' : (stack[columns - 1] as { path: string }).path) + segment
      stack.length = columns
      stack.push({ path, segment })
    } else {
      // Another line of the node one level up: same segment, other methods or constraints.
      const same = stack[columns - 1]
      if (same === undefined || same.segment !== segment || columns !== stack.length) {
        throw new UnreadableRouteTable(line)
      }
      path = same.path
    }
    if (node[2] === undefined) continue
    let constraints: Record<string, unknown> | undefined
    if (node[3] !== undefined) {
      try {
        constraints = JSON.parse(node[3]) as Record<string, unknown>
      } catch {
        throw new UnreadableRouteTable(line)
      }
    }
    for (const method of node[2].split(', ')) routes.push({ method, url: path, constraints })
  }
  return routes
}
