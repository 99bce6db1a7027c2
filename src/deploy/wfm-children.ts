// Deployments a fleet manager addresses to the devices behind this gateway (Margo rc.3:
// `metadata.deviceId` `gw/child`, or `gw/*` to let the gateway choose). Our children are
// embedded peers, which host no workloads, so such a deployment never runs; it fails with
// rc.3's reserved gateway codes: 101 the gateway knows no such child, 102 the child is known
// but unreachable (offline), 103 the gateway cannot place it autonomously (`gw/*`, or a child
// that is online but hosts no workloads). Pure.
import { parseAllDocuments } from 'yaml';
import type { StatusError } from './types.js';

/** What the gateway knows of one child: online, known but offline, or unknown. */
export type ChildPresence = 'online' | 'offline' | 'unknown';

/** The `metadata.deviceId` of the ApplicationDeployment in `yaml`, if it names one. */
export function deploymentTarget(yaml: string): string | undefined {
  try {
    for (const doc of parseAllDocuments(yaml)) {
      const js = doc.toJS({ maxAliasCount: 100 }) as { kind?: unknown; metadata?: { deviceId?: unknown } } | null;
      if (js?.kind === 'ApplicationDeployment' && typeof js.metadata?.deviceId === 'string') return js.metadata.deviceId;
    }
  } catch { /* the desired-state reader reports malformed YAML */ }
  return undefined;
}

/** The child a target names below `gatewayId` (`*` for "any"), or undefined when it is not a child target. */
export function childOf(target: string | undefined, gatewayId: string): string | undefined {
  if (target === undefined || !target.startsWith(`${gatewayId}/`)) return undefined;
  return target.slice(gatewayId.length + 1);
}

/** Why a deployment for `child` cannot be placed: a rc.3 gateway status error. */
export function childPlacementError(child: string, presence: ChildPresence): StatusError {
  if (child === '*') return { code: '103', source: 'gateway', message: 'a deployment for any child (gw/*) cannot be placed autonomously: the devices behind this gateway are embedded peers, which host no workloads' };
  if (presence === 'unknown') return { code: '101', source: 'gateway', message: `this gateway knows no child device ${child}` };
  if (presence === 'offline') return { code: '102', source: 'gateway', message: `child device ${child} is unreachable (offline)` };
  return { code: '103', source: 'gateway', message: `child device ${child} is an embedded peer, which hosts no workloads; the gateway does not place them autonomously` };
}
