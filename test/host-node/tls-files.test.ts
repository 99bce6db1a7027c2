// TLS files re-read when they change: a whole, checked change is used at once; a partial one
// (certificate written, key not yet) keeps the last good material and is retried later.
import { copyFileSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { watchTlsFiles } from '../../host-node/tls-files.js';
import { createPki } from '../support/spiffe-pki.js';

const dir = mkdtempSync(join(tmpdir(), 'wasmhost-tls-files-'));
const pki = createPki(dir);
const ca = pki.ca('ca');
const one = pki.leaf('one', ca, 'URI:spiffe://example.org/device/dev-1', '0101');
const two = pki.leaf('two', ca, 'URI:spiffe://example.org/device/dev-1', '0202');
const foreign = pki.leaf('foreign', ca, 'URI:spiffe://other.org/device/dev-1', '0303');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function place(name: string, from: { cert: string; key: string }) {
  const files = { ca: join(dir, `${name}-ca.pem`), cert: join(dir, `${name}.pem`), key: join(dir, `${name}.key`) };
  copyFileSync(ca.cert, files.ca);
  copyFileSync(from.cert, files.cert);
  copyFileSync(from.key, files.key);
  return files;
}

describe('watchTlsFiles', () => {
  it('returns the same material while nothing changes, and the new files once they all changed', async () => {
    const files = place('rotating', one);
    const lines: string[] = [];
    const source = watchTlsFiles(files, { trustDomain: 'example.org', log: (level, line) => lines.push(`${level} ${line}`) });
    const first = await source.current();
    expect(first.cert).toEqual(readFileSync(one.cert));
    expect(await source.current()).toBe(first);
    expect(lines).toEqual([expect.stringMatching(/^info TLS: loaded device SVID spiffe:\/\/example\.org\/device\/dev-1 \(serial 0101,.*trust bundle of 1 certificate\(s\)/)]);

    // Half a rotation: the new certificate beside the old key is refused; the old pair stays in use.
    writeFileSync(files.cert, readFileSync(two.cert));
    expect(await source.current()).toBe(first);
    expect(lines[1]).toMatch(/^warn TLS: the changed files are not usable yet, keeping the previous ones: .*key values mismatch/);
    expect(await source.current()).toBe(first);
    expect(lines).toHaveLength(2); // the same refused change is told once

    writeFileSync(files.key, readFileSync(two.key));
    const second = await source.current();
    expect(second.cert).toEqual(readFileSync(two.cert));
    expect(lines[2]).toMatch(/^info TLS: reloaded device SVID spiffe:\/\/example\.org\/device\/dev-1 \(serial 0202,/);

    // A file removed mid-rotation keeps the last good material as well.
    unlinkSync(files.ca);
    expect(await source.current()).toBe(second);
    expect(lines[3]).toMatch(/^warn TLS: .*cannot read --tls-ca/);
  });

  it('refuses at the first load what it cannot use: an SVID of another trust domain, a missing key, a non-PEM bundle', async () => {
    const log = () => undefined;
    await expect(watchTlsFiles(place('foreign', foreign), { trustDomain: 'example.org', log }).current())
      .rejects.toThrow(/is the SVID spiffe:\/\/other\.org\/device\/dev-1, not of the trust domain example\.org/);
    expect(() => watchTlsFiles({ cert: one.cert }, { log })).toThrow('--tls-cert and --tls-key go together');
    const garbage = join(dir, 'garbage.pem');
    writeFileSync(garbage, 'not a certificate');
    await expect(watchTlsFiles({ ca: garbage }, { log }).current()).rejects.toThrow(/the TLS files \(.*garbage\.pem\) are not usable/);
  });
});
