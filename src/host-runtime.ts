// The component machinery of a host: reading components, instances in the host's thread and
// in workers, the imports they are built with. createHost loads this module at the first
// component it is handed (through lazy.ts), so a host that runs nothing yet, such as an agent
// with no deployment, does not hold its code.
import { loadComponent, type Component } from './component/component.js';
import type { Engine } from './component/engine.js';
import { buildImports, unversioned } from './capabilities/build-imports.js';
import type { CapabilityProvider, LogSink } from './capabilities/provider.js';
import { createModuleCache } from './runtime/module-cache.js';
import { createIsolatedWorkload, type IsolatedWorkload } from './runtime/isolated-workload.js';
import type { Transpiler } from './component/transpile.js';
import { WasmhostError } from './errors.js';
import { httpServeOf } from './runtime/http-types.js';
import { createWorkload, type Workload } from './runtime/workload.js';
import { bindMessageTrigger, exportsMessageHandler } from './runtime/message-trigger.js';
import type { MessageBus } from './ports/message-bus.js';
import { inSpan, type Telemetry } from './telemetry/telemetry.js';
import type { HostOptions, InstantiateOptions, IsolatedStartOptions } from './create-host.js';

/** What createHost built eagerly and hands to the machinery. */
export interface HostParts {
  options: HostOptions;
  engine: Engine;
  transpile: Transpiler;
  bus: MessageBus;
  providers: readonly CapabilityProvider[];
  telemetry: Telemetry;
  log: LogSink;
}

/** The host's methods that need the component machinery (see `Host` for each). */
export interface HostRuntime {
  load(bytes: Uint8Array): Promise<Component>;
  instantiate(component: Component, opts?: InstantiateOptions): Promise<Workload>;
  startIsolated(component: Component, opts: IsolatedStartOptions): Promise<IsolatedWorkload>;
}

/** Builds the machinery of one host from its parts. */
export function createHostRuntime(parts: HostParts): HostRuntime {
  const { options, engine, transpile, bus, telemetry, log } = parts;
  // Compiled core modules shared by the isolated workloads of one component (posted to each worker).
  const modules = createModuleCache();
  return {
    load: (bytes) => loadComponent(bytes, options.digest, options.artifactCache),
    async instantiate(component, opts = {}) {
      const { name, imports } = await importsFor(component, opts);
      if (options.allowInProcess === false) {
        throw new WasmhostError('denied', `${name} asks to run in-process (in the host's thread, with no call time limit), which this device's local configuration does not allow; run it isolated in a worker (limits.isolation: worker), or have the device's operator allow in-process workloads (wasmhost agent --allow-in-process)`, {
          data: { reason: 'in-process-not-allowed' },
        });
      }
      const attributes = { 'wasmhost.workload': name, 'wasmhost.component.digest': component.digest };
      const prepared = await inSpan(telemetry, 'transpile', { parent: opts.span, attributes }, () => engine.prepare(component));
      const instance = await inSpan(telemetry, 'instantiate', { parent: opts.span, attributes }, () => prepared.instantiate(imports, { memoryBytes: opts.memoryBytes }));
      const workload = createWorkload(component, instance, { name, fastCalls: opts.fastCalls, telemetry, serveHttp: httpServeOf(imports), memoryBytes: opts.memoryBytes });
      if (exportsMessageHandler(component) && opts.grants?.messaging?.subscribe?.length) {
        const trigger = bindMessageTrigger(workload, bus, { grants: opts.grants, log });
        workload.onClose(() => trigger.close());
      }
      return workload;
    },
    async startIsolated(component, opts) {
      if (!options.isolate) throw new WasmhostError('unsupported', 'this host has no isolate to run workloads in workers (HostOptions.isolate)');
      const { name, imports } = await importsFor(component, opts);
      const attributes = { 'wasmhost.workload': name, 'wasmhost.component.digest': component.digest };
      const artifact = await inSpan(telemetry, 'transpile', { parent: opts.span, attributes }, async (span) => {
        const hit = await options.artifactCache.get(component.digest);
        span.setAttributes({ 'wasmhost.cache.hit': hit !== undefined });
        return (hit ?? (await options.artifactCache.put(await transpile(component.bytes, component.digest)))).artifact();
      });
      const isolated = await inSpan(telemetry, 'instantiate', { parent: opts.span, attributes: { ...attributes, 'wasmhost.isolation': 'worker' } }, () => createIsolatedWorkload(component, {
        name, isolate: options.isolate!, artifact, imports, limits: opts.limits, grants: opts.grants, wasiArgs: opts.wasiArgs, backoff: opts.backoff, onEvent: opts.onEvent, telemetry, modules,
      }));
      if (exportsMessageHandler(component) && opts.grants?.messaging?.subscribe?.length) {
        // Each message crosses to the worker as a handle in its resource table (resource-table.ts).
        const target = { name, get dead() { return isolated.state === 'closed'; }, exports: () => isolated.exports(), bind: (path: string) => (...args: unknown[]) => isolated.call(path, ...args) };
        const trigger = bindMessageTrigger(target, bus, { grants: opts.grants, log });
        isolated.onClose(() => trigger.close());
      }
      return isolated;
    },
  };

  async function importsFor(component: Component, opts: Omit<InstantiateOptions, 'fastCalls' | 'memoryBytes'>) {
    const name = opts.name ?? component.digest.slice(7, 19);
    const all = [...(opts.providers ?? []), ...parts.providers];
    // Providers loaded on first use (host-node's lazy WASI) load now, if the component imports from them.
    const wanted = new Set(component.world.imports.flatMap((i) => (i.kind === 'interface' ? [unversioned(i.interface.name)] : [])));
    await Promise.all(all.filter((p) => p.prepare && p.offers.some((o) => wanted.has(o.name))).map((p) => p.prepare!()));
    const providers = options.wrapProvider ? all.map(options.wrapProvider) : all;
    return { name, imports: buildImports(component.world, providers, { workload: name, config: opts.config ?? {}, grants: opts.grants ?? {}, log }) };
  }
}
