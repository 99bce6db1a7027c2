import { describe, expect, it } from 'vitest';
import { BROWSER_USERNAME, HOST_USERNAME, isPeerId, mayPublish, maySubscribe, mosquittoAcl, pageMayPublish, pageMayReceive, pageMaySubscribe } from '../../../src/bridge/acl.js';
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

  const page = { id: 'page-1', peers: ['p1'] };

  it('lets a page publish rpc requests only to its own peers, never a peer\'s leaves, another page\'s inbox or $SYS', () => {
    const table: [string, boolean][] = [
      ['wasmhost/v1/peers/p1/rpc', true],
      ['wasmhost/v1/peers/p2/rpc', false], // not issued for p2
      ['wasmhost/v1/peers/p1/birth', false],
      ['wasmhost/v1/peers/p1/death', false],
      ['wasmhost/v1/peers/p1/reply', false],
      ['wasmhost/v1/peers/p1/data', false],
      ['wasmhost/v1/peers/p1/rpc/extra', false],
      ['wasmhost/v1/peers/p1', false],
      ['wasmhost/v1/peers', false],
      ['wasmhost/v1/workloads/alarm/in', true],
      ['elsewhere/topic', true],
      ['$reply/page-1/1', true],
      ['$reply/page-2/1', false],
      ['$reply/x', false],
      ['$SYS', false],
      ['$SYS/broker/x', false],
    ];
    for (const [topic, allowed] of table) expect(pageMayPublish(page, topic), topic).toBe(allowed);
  });

  it("lets a page hear only its peers' outbound topics and its own inbox, whatever it subscribed to", () => {
    const table: [string, boolean][] = [
      ['wasmhost/v1/peers/p1/birth', true],
      ['wasmhost/v1/peers/p1/death', true],
      ['wasmhost/v1/peers/p1/data', true],
      ['wasmhost/v1/peers/p1/reply', true],
      ['wasmhost/v1/peers/p1/rpc', false], // other hosts' requests
      ['wasmhost/v1/peers/p2/data', false],
      ['wasmhost/v1/peers/p2/birth', false],
      ['wasmhost/v1/workloads/alarm/out', true],
      ['$reply/page-1/3', true],
      ['$reply/host/3', false],
      ['$SYS/broker/x', false],
    ];
    for (const [topic, allowed] of table) expect(pageMayReceive(page, topic), topic).toBe(allowed);
    expect(pageMaySubscribe('#')).toBe(true);
    expect(pageMaySubscribe('$SYS/#')).toBe(false);
    // A page is not a peer nor the host under the username rule either.
    expect(mayPublish(BROWSER_USERNAME, 'wasmhost/v1/peers/p1/rpc')).toBe(false);
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
  });

  it('accepts peer ids of 1 to 64 letters, digits, _ and -', () => {
    expect(['a', 'P-1_x', 'x'.repeat(64)].every(isPeerId)).toBe(true);
    expect(['', 'x'.repeat(65), 'a b', 'a/b', 'a.b', '+', '#', 'é'].some(isPeerId)).toBe(false);
  });

  it('renders the same rule as a mosquitto acl_file', () => {
    expect(mosquittoAcl({ root: 'site/a' }, [{ id: 'page-1', peers: ['p1'] }])).toBe([
      'user wasmhost-host',
      'topic readwrite #',
      'topic readwrite $reply/#',
      '',
      'user page-1',
      'topic readwrite $reply/page-1/#',
      'topic readwrite site/a/workloads/#',
      'topic write site/a/peers/p1/rpc',
      'topic read site/a/peers/p1/birth',
      'topic read site/a/peers/p1/death',
      'topic read site/a/peers/p1/reply',
      'topic read site/a/peers/p1/data',
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
