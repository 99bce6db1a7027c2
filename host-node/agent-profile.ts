import type { ThreadIsolateOptions } from './thread-isolate.js';

/** How much memory the agent may spend for speed: `default`, or `small` for 256 MB gateways. */
export type AgentProfile = 'default' | 'small';

/** What a profile sets: the workers, the transpiler process, and the Node flags it asks for. */
export interface ProfileSettings {
  isolate: ThreadIsolateOptions;
  /** V8 flags of the transpiler process. */
  transpilerFlags: string[];
  /** Flags only Node's command line or NODE_OPTIONS can set (heap sizes are fixed when V8 starts); README lists them. */
  nodeFlags: string[];
}

const SETTINGS: Record<AgentProfile, ProfileSettings> = {
  default: { isolate: {}, transpilerFlags: ['--liftoff-only'], nodeFlags: [] },
  // No idle worker; 32 MiB JS heap per worker with a 1 MiB young generation; a transpiler that
  // trades speed for size. Measured in bench/footprint.ts (README, "Start and footprint").
  small: {
    isolate: { pool: 0, heapMb: 32, youngMb: 1 },
    transpilerFlags: ['--liftoff-only', '--max-semi-space-size=1', '--optimize-for-size'],
    nodeFlags: ['--max-semi-space-size=1', '--max-old-space-size=64', '--v8-pool-size=1'],
  },
};

/** The settings of a profile named on the command line; undefined for an unknown name. */
export function profileSettings(name: string): ProfileSettings | undefined {
  return Object.hasOwn(SETTINGS, name) ? SETTINGS[name as AgentProfile] : undefined;
}

/** The profile's Node flags this process was started without (on its command line or in NODE_OPTIONS). */
export function missingNodeFlags(settings: ProfileSettings, execArgv: readonly string[], nodeOptions = ''): string[] {
  const given = new Set([...execArgv, ...nodeOptions.split(/\s+/)]);
  return settings.nodeFlags.filter((flag) => !given.has(flag));
}
