// Forwarded imports run on the host's import object in jco's shape, and only those the plan forwards.
import { describe, expect, it } from 'vitest';
import { forwardedInvoker } from '../../../src/runtime/forwarded-call.js';

class Message {
  constructor(public data: string) {}
  static empty(): Message { return new Message(''); }
  topic(): string { return `t/${this.data}`; }
  setData(data: string): void { this.data = data; }
  /** Not in the WIT: a worker must not reach it. */
  secret(): string { return 'host only'; }
}
const imports = { 'wasi:messaging/types': { Message, ping: (x: number) => x + 1 } };
const plan = [{
  name: 'wasi:messaging/types',
  functions: [
    { name: '[constructor]message', js: '', returns: true },
    { name: '[static]message.empty', js: 'empty', returns: true },
    { name: '[method]message.topic', js: 'topic', returns: true },
    { name: '[method]message.set-data', js: 'setData', returns: true },
    { name: 'ping', js: 'ping', returns: true },
  ],
}];

describe('forwardedInvoker', () => {
  const invoke = forwardedInvoker('w', imports, plan);
  const t = 'wasi:messaging/types';

  it('calls constructors, statics, methods (self first) and free functions as jco would', () => {
    const m = invoke(t, '[constructor]message', ['a']) as Message;
    expect(m).toBeInstanceOf(Message);
    expect(invoke(t, '[method]message.topic', [m])).toBe('t/a');
    invoke(t, '[method]message.set-data', [m, 'b']);
    expect(m.data).toBe('b');
    expect((invoke(t, '[static]message.empty', []) as Message).data).toBe('');
    expect(invoke(t, 'ping', [1])).toBe(2);
  });

  it('refuses a function the plan does not forward, even one the host object has', () => {
    const m = new Message('a');
    expect(() => invoke(t, '[method]message.secret', [m])).toThrow(expect.objectContaining({ code: 'trap', message: "w's worker asked the host for wasi:messaging/types#[method]message.secret, which is not an import of this component" }));
    expect(() => invoke(t, 'Message', [])).toThrow(/not an import of this component/);
    expect(() => invoke('wasi:other/x', 'ping', [1])).toThrow(/not an import of this component/);
  });
});
