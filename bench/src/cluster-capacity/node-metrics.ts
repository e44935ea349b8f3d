/** What the relay nodes say about themselves on /metrics: connections, refusals, bus traffic. */
import type { ServerProcess } from '../servers.js'

export interface NodeMetrics {
  readonly connections: number[]
  readonly refusals: Record<string, number>
  readonly busMessagesOut: number
  readonly busBytesOut: number
}

/** Scrapes a node's /metrics (null if it does not answer). */
async function scrape(node: ServerProcess): Promise<string | null> {
  try {
    const res = await fetch(`http://127.0.0.1:${node.port}/metrics`, {
      signal: AbortSignal.timeout(5000),
    })
    return await res.text()
  } catch {
    return null
  }
}

/** Every node's open connections (-1: no answer), and refusals and bus output summed. */
export async function nodeMetrics(nodes: readonly ServerProcess[]): Promise<NodeMetrics> {
  const texts = await Promise.all(nodes.map(scrape))
  const refusals: Record<string, number> = {}
  let busMessagesOut = 0
  let busBytesOut = 0
  const connections = texts.map((text) => {
    if (text === null) return -1
    for (const m of text.matchAll(/^sightline_relay_refusals_total\{reason="([^"]+)"\} (\d+)$/gm)) {
      if (Number(m[2]) > 0) refusals[m[1]!] = (refusals[m[1]!] ?? 0) + Number(m[2])
    }
    const read = (re: RegExp) => Number(re.exec(text)?.[1] ?? 0)
    busMessagesOut += read(/^sightline_relay_bus_messages_total\{direction="out"\} (\d+)/m)
    busBytesOut += read(/^sightline_relay_bus_bytes_total\{direction="out"\} (\d+)/m)
    return read(/^sightline_relay_connections (\d+)/m)
  })
  return { connections, refusals, busMessagesOut, busBytesOut }
}
