import { describe, expect, it } from 'vitest';
import { checkCapacity, type CapacityRequirements, type CapacityShortfall } from '../../../src/device/capacity.js';
import type { DeviceResources } from '../../../src/device/profile.js';
import { badInput } from '../../support/bad-input.js';

const GiB = 2 ** 30;
const resources: DeviceResources = {
  cpu: [{ cores: 2, architecture: 'arm64' }, { cores: 2, architecture: 'arm64' }, { cores: 1 }],
  memory: GiB,
  storage: 8 * GiB,
  peripherals: [],
  interfaces: [],
};

describe('checkCapacity', () => {
  it.each<[string, CapacityRequirements, CapacityShortfall[]]>([
    ['nothing required', {}, []],
    ['cores summed over CPU entries', { cpu: { cores: 5 } }, []],
    ['too many cores', { cpu: { cores: 5.5 } }, [{ resource: 'cpu', required: '5.5 cores', available: '5 cores' }]],
    ['millicores', { cpu: { cores: '500m' } }, []],
    ['too many millicores', { cpu: { cores: '6000m' } }, [{ resource: 'cpu', required: '6 cores', available: '5 cores' }]],
    ['cores of an accepted architecture only', { cpu: { cores: 5, architectures: ['arm64'] } }, [{ resource: 'cpu', required: '5 cores', available: '4 cores' }]],
    ['one of several architectures', { cpu: { cores: 1, architectures: ['amd64', 'arm64'] } }, []],
    ['no CPU of the architecture', { cpu: { cores: 1, architectures: ['amd64'] } }, [{ resource: 'architecture', required: 'amd64', available: 'arm64, unknown' }]],
    ['memory that fits exactly', { memory: '1Gi' }, []],
    ['memory as bytes', { memory: GiB }, []],
    ['too much memory', { memory: '1025Mi' }, [{ resource: 'memory', required: '1025Mi', available: '1Gi' }]],
    ['too much storage', { storage: '9Gi' }, [{ resource: 'storage', required: '9Gi', available: '8Gi' }]],
    ['everything short at once', { cpu: { cores: 8 }, memory: '2Gi', storage: '10Gi' }, [
      { resource: 'cpu', required: '8 cores', available: '5 cores' },
      { resource: 'memory', required: '2Gi', available: '1Gi' },
      { resource: 'storage', required: '10Gi', available: '8Gi' },
    ]],
  ])('%s', (_name, requirements, shortfalls) => {
    expect(checkCapacity(requirements, resources)).toStrictEqual(shortfalls);
  });

  it('checks memory against the per-workload limit too', () => {
    expect(checkCapacity({ memory: '512Mi' }, resources, { memoryPerWorkload: 256 * 2 ** 20 })).toStrictEqual([
      { resource: 'memory-per-workload', required: '512Mi', available: '256Mi' },
    ]);
  });

  it('reports a device that reports no CPU', () => {
    expect(checkCapacity({ cpu: { cores: 1 } }, { ...resources, cpu: [] })).toStrictEqual([{ resource: 'cpu', required: '1 core', available: 'no CPU reported' }]);
  });

  it.each<[string, unknown, string]>([
    ['a memory unit Margo does not use', { memory: '2GB' }, "capacityRequirements.memory: '2GB' is not an amount of bytes (a quantity like 512Mi, 2Gi)"],
    ['cores in words', { cpu: { cores: 'two' } }, "capacityRequirements.cpu.cores: 'two' is not a CPU quantity (a number of cores like 1.5, or millicores like 500m)"],
    ['cpu without cores', { cpu: { architectures: ['arm64'] } }, 'capacityRequirements.cpu.cores: required (a number of cores, e.g. 1.5)'],
    ['an unknown architecture', { cpu: { cores: 1, architectures: ['x86_64'] } }, "capacityRequirements.cpu.architectures[0]: unknown architecture 'x86_64' (valid: amd64, arm64, arm, riscv64, other)"],
    ['peripherals (an eligibility rule in Margo)', { peripherals: [] }, 'capacityRequirements.peripherals: unknown field (fields: cpu, memory, storage)'],
  ])('refuses %s', (_name, requirements, message) => {
    expect(badInput(() => checkCapacity(requirements as CapacityRequirements, resources))).toBe(message);
  });
});
