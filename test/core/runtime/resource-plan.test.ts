// planImports with resources: the forwarded interfaces' resource types are numbered, their
// functions forwarded (always blocking), the host checks their resource parameters; what
// cannot cross (streams, futures, resources of interfaces the worker serves) is refused by name.
import { describe, expect, it } from 'vitest';
import type { ComponentWorld, WitInterface, WitType } from '../../../src/component/wit-types.js';
import { planImports } from '../../../src/runtime/isolate-protocol.js';
import { resourceClassName } from '../../../src/runtime/resource-plan.js';

const u32: WitType = { kind: 'primitive', name: 'u32' };
const meters: WitInterface = {
  name: 'test:meters/meters@0.1.0', package: { namespace: 'test', name: 'meters', version: '0.1.0' }, interfaceName: 'meters',
  types: [{ name: 'meter', type: { kind: 'resource' } }, { name: 'request-options', type: { kind: 'resource' } }],
  functions: [
    { name: '[constructor]meter', params: [{ name: 'start', type: u32 }], result: { kind: 'own', resource: 'meter' }, kind: 'constructor', resource: 'meter' },
    { name: '[method]meter.add', params: [{ name: 'self', type: { kind: 'borrow', resource: 'meter' } }, { name: 'n', type: u32 }], result: u32, kind: 'method', resource: 'meter' },
    { name: '[method]meter.reset', params: [{ name: 'self', type: { kind: 'borrow', resource: 'meter' } }], kind: 'method', resource: 'meter' },
    { name: 'keep', params: [{ name: 'm', type: { kind: 'own', resource: 'meter' } }, { name: 'o', type: { kind: 'option', type: { kind: 'own', resource: 'request-options' } } }] },
    { name: 'tick', params: [{ name: 'n', type: u32 }] },
  ],
};
/** Uses `meter` from the interface above. */
const user: WitInterface = {
  name: 'test:meters/user@0.1.0', interfaceName: 'user',
  types: [{ name: 'meter', type: { kind: 'resource' }, from: { interface: 'test:meters/meters@0.1.0', name: 'meter' } }],
  functions: [{ name: 'peek', params: [{ name: 'm', type: { kind: 'borrow', resource: 'meter' } }], result: u32 }],
};
const world = (...interfaces: WitInterface[]): ComponentWorld => ({ imports: interfaces.map((i) => ({ kind: 'interface' as const, interface: i })), exports: [] });

describe('planImports with resources', () => {
  it('numbers resource types, gives each interface its own, and forwards resource functions blocking', () => {
    const plan = planImports(world(meters, user), ['test:meters/meters', 'test:meters/user']);
    expect(plan.resources.keys).toEqual(['test:meters/meters#meter', 'test:meters/meters#request-options']);
    expect(plan.forward[0]!.resources).toEqual([{ type: 0, name: 'meter', js: 'Meter' }, { type: 1, name: 'request-options', js: 'RequestOptions' }]);
    expect(plan.forward[0]!.functions).toEqual([
      { name: '[constructor]meter', js: '', returns: true },
      { name: '[method]meter.add', js: 'add', returns: true },
      // No result, but it passes a resource: it blocks, so its handle is checked before the guest goes on.
      { name: '[method]meter.reset', js: 'reset', returns: true },
      { name: 'keep', js: 'keep', returns: true },
      { name: 'tick', js: 'tick', returns: false },
    ]);
    expect(plan.forward[1]).toEqual({ name: 'test:meters/user', functions: [{ name: 'peek', js: 'peek', returns: true }] });
    expect(plan.resourceParams.get('test:meters/meters#keep')).toEqual([
      { index: 0, type: 0, own: true, optional: false },
      { index: 1, type: 1, own: true, optional: true },
    ]);
    // A `use`d resource is the defining interface's type.
    expect(plan.resourceParams.get('test:meters/user#peek')).toEqual([{ index: 0, type: 0, own: false, optional: false }]);
    expect(resourceClassName('outgoing-body')).toBe('OutgoingBody');
  });

  it('refuses imports passing streams, or resources of an interface the worker serves itself, naming them', () => {
    const streamy: WitInterface = {
      name: 'acme:logs/tail@1.0.0', interfaceName: 'tail',
      types: [{ name: 'input-stream', type: { kind: 'resource' }, from: { interface: 'wasi:io/streams@0.2.0', name: 'input-stream' } }],
      functions: [
        { name: 'open', params: [], result: { kind: 'own', resource: 'input-stream' } },
        { name: 'lines', params: [], result: { kind: 'stream', type: { kind: 'primitive', name: 'string' } } },
        { name: 'count', params: [], result: u32 },
      ],
    };
    const io: WitInterface = { name: 'wasi:io/streams@0.2.0', interfaceName: 'streams', types: [{ name: 'input-stream', type: { kind: 'resource' } }], functions: [] };
    expect(() => planImports(world(io, streamy), ['wasi:io/streams', 'acme:logs/tail'])).toThrow(expect.objectContaining({
      code: 'unsupported',
      message: expect.stringContaining('  acme:logs/tail@1.0.0 (open, lines)\nRun the workload in-process'),
    }));
  });
});
