import { describe, expect, it } from 'vitest';
import { BROWSER_USERNAME, HOST_USERNAME, isPeerId, mayPublish, maySubscribe, mosquittoAcl } from '../../../src/bridge/acl.js';
import { badInput } from '../../support/bad-input.js';

describe('bridge access control', () => {
  it('lets a peer publish only birth, death, reply and data under its own id', () => {
    for (const leaf of ['birth', 'death', 'reply', 'data']) expect(mayPublish('p1', `wasmhost/v1/peers/p1/${leaf}`), leaf).toBe(true);
    for (const topic of [
      'wasmhost/v1/peers/p2/data', // another peer
      'wasmhost/v1/peers/p1/rpc', // the host's direction
      'wasmhost/v1/peers/p1/data/extra',
      'wasmhost/v1/peers/p1/',
      'wasmhost/v1/peers/p1',
      'wasmhost/v1/peers/p10/data',
      'wasmhost/v1/workloads/w/in',
      'wasmhost/v2/peers/p1/data',
      'other/wasmhost/v1/peers/p1/data',
      '$reply/x/1',
    ]) expect(mayPublish('p1', topic), topic).toBe(false);
  });

  it('lets a peer subscribe only to its own rpc topic, spelled without wildcards', () => {
    expect(maySubscribe('p1', 'wasmhost/v1/peers/p1/rpc')).toBe(true);
    for (const filter of ['wasmhost/v1/peers/p2/rpc', 'wasmhost/v1/peers/+/rpc', 'wasmhost/v1/peers/p1/+', 'wasmhost/v1/peers/p1/#', 'wasmhost/v1/#', '#', 'wasmhost/v1/peers/p1/reply']) {
      expect(maySubscribe('p1', filter), filter).toBe(false);
    }
  });

  it('lets the host client do anything, and nobody without a valid peer id anything', () => {
    for (const topic of ['wasmhost/v1/peers/p1/rpc', 'wasmhost/v1/peers/p2/data', 'elsewhere', '$reply/a/1']) {
      expect(mayPublish(HOST_USERNAME, topic)).toBe(true);
      expect(maySubscribe(HOST_USERNAME, topic)).toBe(true);
    }
    expect(maySubscribe(HOST_USERNAME, '#')).toBe(true);
    for (const username of [undefined, '', 'a/b', 'a+b', 'p#', 'x'.repeat(65), 'é']) {
      const own = `wasmhost/v1/peers/${username}/data`;
      expect(mayPublish(username, own), String(username)).toBe(false);
      expect(maySubscribe(username, `wasmhost/v1/peers/${username}/rpc`), String(username)).toBe(false);
    }
  });

  it('lets a browser host publish anywhere but a peer\'s own leaves and $SYS', () => {
    const table: [string, boolean][] = [
      ['wasmhost/v1/peers/p1/rpc', true],
      ['wasmhost/v1/peers/any-peer/rpc', true],
      ['wasmhost/v1/workloads/alarm/in', true],
      ['wasmhost/v1/workloads/alarm/out', true],
      ['$reply/abc/1', true],
      ['elsewhere/topic', true],
      ['wasmhost/v1/peers/p1/data/extra', true], // not a peer leaf
      ['wasmhost/v1/peers/p1', true],
      ['wasmhost/v2/peers/p1/birth', true], // another root
      ['wasmhost/v1/peers/p1/birth', false],
      ['wasmhost/v1/peers/p1/death', false],
      ['wasmhost/v1/peers/p1/reply', false],
      ['wasmhost/v1/peers/p1/data', false],
      [`wasmhost/v1/peers/${BROWSER_USERNAME}/birth`, false],
      ['wasmhost/v1/peers//data', false],
      ['wasmhost/v1/peers/not a peer id/birth', false],
      ['$SYS', false],
      ['$SYS/broker/x', false],
    ];
    for (const [topic, allowed] of table) expect(mayPublish(BROWSER_USERNAME, topic), topic).toBe(allowed);
  });

  it('lets a browser host subscribe to anything but $SYS', () => {
    const table: [string, boolean][] = [
      ['#', true],
      ['wasmhost/v1/#', true],
      ['wasmhost/v1/peers/+/birth', true],
      ['wasmhost/v1/peers/p1/rpc', true],
      ['$reply/abc/#', true],
      ['$SYS', false],
      ['$SYS/#', false],
      ['$SYS/broker/+', false],
    ];
    for (const [filter, allowed] of table) expect(maySubscribe(BROWSER_USERNAME, filter), filter).toBe(allowed);
  });

  it('follows a configured browser username, and reserves the default one from peers', () => {
    const policy = { browserUsername: 'kiosk' };
    expect(mayPublish('kiosk', 'wasmhost/v1/peers/p1/rpc', policy)).toBe(true);
    expect(mayPublish('kiosk', 'wasmhost/v1/peers/p1/birth', policy)).toBe(false);
    expect(maySubscribe('kiosk', '#', policy)).toBe(true);
    // The default browser name is then an ordinary peer id; by default it is never a peer.
    expect(mayPublish(BROWSER_USERNAME, `wasmhost/v1/peers/${BROWSER_USERNAME}/birth`, policy)).toBe(true);
    expect(maySubscribe(BROWSER_USERNAME, '#', policy)).toBe(false);
    expect(mayPublish(BROWSER_USERNAME, `wasmhost/v1/peers/${BROWSER_USERNAME}/birth`)).toBe(false);
  });

  it('follows a configured root and host username', () => {
    const policy = { root: 'site/a', hostUsername: 'gateway' };
    expect(mayPublish('p1', 'site/a/peers/p1/data', policy)).toBe(true);
    expect(mayPublish('p1', 'wasmhost/v1/peers/p1/data', policy)).toBe(false);
    expect(maySubscribe('p1', 'site/a/peers/p1/rpc', policy)).toBe(true);
    expect(mayPublish('gateway', 'anything', policy)).toBe(true);
    // The default host name is then an ordinary peer id.
    expect(mayPublish(HOST_USERNAME, 'site/a/peers/p1/data', policy)).toBe(false);
    expect(mayPublish(HOST_USERNAME, `site/a/peers/${HOST_USERNAME}/data`, policy)).toBe(true);
    expect(mayPublish(BROWSER_USERNAME, 'site/a/peers/p1/birth', policy)).toBe(false);
    expect(mayPublish(BROWSER_USERNAME, 'wasmhost/v1/peers/p1/birth', policy)).toBe(true);
  });

  it('accepts peer ids of 1 to 64 letters, digits, _ and -', () => {
    expect(['a', 'P-1_x', 'x'.repeat(64)].every(isPeerId)).toBe(true);
    expect(['', 'x'.repeat(65), 'a b', 'a/b', 'a.b', '+', '#', 'é'].some(isPeerId)).toBe(false);
  });

  it('renders the same rule as a mosquitto acl_file', () => {
    expect(mosquittoAcl({ root: 'site/a' })).toBe([
      'user wasmhost-host',
      'topic readwrite #',
      'topic readwrite $reply/#',
      '',
      'user wasmhost-browser',
      'topic read #',
      'topic readwrite $reply/#',
      'topic write site/a/peers/+/rpc',
      'topic write site/a/workloads/#',
      '',
      'pattern write site/a/peers/%u/birth',
      'pattern write site/a/peers/%u/death',
      'pattern write site/a/peers/%u/reply',
      'pattern write site/a/peers/%u/data',
      'pattern read site/a/peers/%u/rpc',
      '',
    ].join('\n'));
    expect(badInput(() => mosquittoAcl({ root: 'a/#' }))).toMatch(/must not contain wildcards/);
    expect(badInput(() => mosquittoAcl({ root: 'a b' }))).toMatch(/white space/);
  });
});
