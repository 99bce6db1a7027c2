import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Agent } from '../src/deploy/agent.js';

/** What `GET /status` answers. */
export interface AgentStatusReport {
  deviceId: string;
  pid: number;
  startedAt: string;
  source: ReturnType<Agent['source']>;
  deployments: ReturnType<Agent['statuses']>;
  workloads: ReturnType<Agent['workloads']>;
  /** Embedded peers known to the bridge (empty without one). */
  peers: { id: string; online: boolean; seq: number; since: string }[];
}

/** Serves the agent's status as JSON on loopback only; resolves with its URL once listening. */
export async function startStatusServer(
  agent: Agent,
  deviceId: string,
  peers: () => AgentStatusReport['peers'] = () => [],
  port = 0,
): Promise<{ url: string; server: Server }> {
  const startedAt = new Date().toISOString();
  const server = createServer((request, response) => {
    if (request.method !== 'GET' || (request.url !== '/status' && request.url !== '/')) {
      response.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found; GET /status"}');
      return;
    }
    const report: AgentStatusReport = {
      deviceId, pid: process.pid, startedAt, source: agent.source(), deployments: agent.statuses(), workloads: agent.workloads(), peers: peers(),
    };
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(report));
  });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/status`, server };
}
