import { readFileSync, statfsSync } from 'node:fs';
import { arch, cpus, hostname, totalmem } from 'node:os';
import type { Host } from '../src/create-host.js';
import { profileFromProviders, type ConnectedPeer, type DeviceProfile, type DeviceResources, type DeviceIdentity } from '../src/device/profile.js';

const ARCHITECTURES: Record<string, DeviceResources['cpu'][number]['architecture']> = { x64: 'amd64', arm64: 'arm64', arm: 'arm', riscv64: 'riscv64' };

/** Reads a sysfs/machine file, or undefined (containers and VMs often lack them). */
function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}

/** This Linux machine's identity, from DMI and machine-id where readable; overrides win. */
export function linuxIdentity(overrides: Partial<DeviceIdentity> = {}): DeviceIdentity {
  return {
    id: overrides.id ?? hostname(),
    vendor: overrides.vendor ?? readText('/sys/class/dmi/id/sys_vendor') ?? 'unknown',
    modelNumber: overrides.modelNumber ?? readText('/sys/class/dmi/id/product_name') ?? 'unknown',
    serialNumber: overrides.serialNumber ?? readText('/etc/machine-id') ?? 'unknown',
  };
}

/** CPU, memory and the free-able storage where the host keeps its state. */
export function linuxResources(stateDir: string): DeviceResources {
  let storage = 0;
  try {
    const fs = statfsSync(stateDir);
    storage = fs.blocks * fs.bsize;
  } catch {
    // A state directory that does not exist yet reports no storage rather than failing.
  }
  return {
    cpu: [{ cores: cpus().length, architecture: ARCHITECTURES[arch()] ?? 'other' }],
    memory: totalmem(),
    storage,
    peripherals: [],
    interfaces: [],
  };
}

/** The profile of a Linux device running `host`: class `linux`, engine jco, offers from the host's providers. */
export function linuxDeviceProfile(host: Host, options: { stateDir: string; identity?: Partial<DeviceIdentity>; jcoVersion: string; peers?: ConnectedPeer[]; otelCollector?: boolean }): DeviceProfile {
  return profileFromProviders(linuxIdentity(options.identity), linuxResources(options.stateDir), host.providers, {
    class: 'linux',
    engine: { name: 'jco', version: options.jcoVersion },
    peers: options.peers,
    otelCollector: options.otelCollector,
  });
}
