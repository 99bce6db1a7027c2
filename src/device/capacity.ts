// Margo `deviceConstraints.capacityRequirements` (minimum CPU cores and architectures,
// memory, storage) against what a device gives its workloads.

import { Issues, joinPath, listAt, objectAt, show, unknownFields } from './json-check.js';
import { describeBytes, parseBytes, parseCpuCores } from './quantity.js';
import { CPU_ARCHITECTURES } from './vocabulary.js';
import type { CpuArchitecture, DeviceResources, WorkloadLimits } from './profile.js';

/**
 * The least a deployment needs. Margo writes cores as a number (`1.5`); `500m` is accepted too.
 * Memory and storage are binary quantities (`512Mi`, `2Gi`) or bytes.
 */
export interface CapacityRequirements {
  cpu?: { cores: number | string; architectures?: CpuArchitecture[] };
  memory?: string | number;
  storage?: string | number;
}

/** One requirement the device does not meet, with both sides written for people. */
export interface CapacityShortfall {
  resource: 'cpu' | 'architecture' | 'memory' | 'storage' | 'memory-per-workload';
  required: string;
  available: string;
}

/** Checks capacity requirements, adding an issue per malformed field; returns them typed when well-formed. */
export function readCapacityRequirements(value: unknown, path: string, issues: Issues): CapacityRequirements | undefined {
  const before = issues.list.length;
  const obj = objectAt(value, path, issues);
  if (!obj) return undefined;
  unknownFields(obj, ['cpu', 'memory', 'storage'], path, issues);
  if (obj.cpu !== undefined) {
    const at = joinPath(path, 'cpu');
    const cpu = objectAt(obj.cpu, at, issues);
    if (cpu) {
      unknownFields(cpu, ['cores', 'architectures'], at, issues);
      if (cpu.cores === undefined) issues.add(joinPath(at, 'cores'), 'required (a number of cores, e.g. 1.5)');
      else if (parseCpuCores(cpu.cores) === undefined) issues.add(joinPath(at, 'cores'), `${show(cpu.cores)} is not a CPU quantity (a number of cores like 1.5, or millicores like 500m)`);
      if (cpu.architectures !== undefined) {
        const list = listAt(cpu.architectures, joinPath(at, 'architectures'), issues);
        list?.forEach((a, i) => {
          if (!(CPU_ARCHITECTURES as readonly unknown[]).includes(a)) issues.add(joinPath(joinPath(at, 'architectures'), i), `unknown architecture ${show(a)} (valid: ${CPU_ARCHITECTURES.join(', ')})`);
        });
      }
    }
  }
  for (const key of ['memory', 'storage'] as const) {
    if (obj[key] !== undefined && parseBytes(obj[key]) === undefined) issues.add(joinPath(path, key), `${show(obj[key])} is not an amount of bytes (a quantity like 512Mi, 2Gi)`);
  }
  return issues.list.length === before ? (obj as CapacityRequirements) : undefined;
}

/**
 * What the device lacks. Cores are summed over the CPU entries with an accepted architecture;
 * memory is also checked against the per-workload limit when the device sets one.
 */
export function checkCapacity(requirements: CapacityRequirements | undefined, resources: DeviceResources, limits: WorkloadLimits = {}): CapacityShortfall[] {
  if (!requirements) return [];
  const issues = new Issues();
  readCapacityRequirements(requirements, 'capacityRequirements', issues);
  issues.done();
  const out: CapacityShortfall[] = [];
  if (requirements.cpu) {
    const archs = requirements.cpu.architectures;
    const usable = archs?.length ? resources.cpu.filter((c) => c.architecture && archs.includes(c.architecture)) : resources.cpu;
    if (archs?.length && usable.length === 0) {
      const have = [...new Set(resources.cpu.map((c) => c.architecture ?? 'unknown'))];
      out.push({ resource: 'architecture', required: archs.join(' or '), available: have.length ? have.join(', ') : 'no CPU reported' });
    }
    const needed = parseCpuCores(requirements.cpu.cores)!;
    const cores = usable.reduce((sum, c) => sum + c.cores, 0);
    // With no CPU of an accepted architecture, the architecture line says it all.
    if (usable.length && cores < needed) out.push({ resource: 'cpu', required: coreCount(needed), available: coreCount(cores) });
    else if (!archs?.length && cores < needed) out.push({ resource: 'cpu', required: coreCount(needed), available: 'no CPU reported' });
  }
  if (requirements.memory !== undefined) {
    const needed = parseBytes(requirements.memory)!;
    if (resources.memory < needed) out.push({ resource: 'memory', required: describeBytes(needed), available: describeBytes(resources.memory) });
    if (limits.memoryPerWorkload !== undefined && limits.memoryPerWorkload < needed) {
      out.push({ resource: 'memory-per-workload', required: describeBytes(needed), available: describeBytes(limits.memoryPerWorkload) });
    }
  }
  if (requirements.storage !== undefined) {
    const needed = parseBytes(requirements.storage)!;
    if (resources.storage < needed) out.push({ resource: 'storage', required: describeBytes(needed), available: describeBytes(resources.storage) });
  }
  return out;
}

function coreCount(n: number): string {
  return n === 1 ? '1 core' : `${n} cores`;
}
