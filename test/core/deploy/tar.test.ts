import { describe, expect, it } from 'vitest';
import { readTar, type TarBudgets, type TarRefusal } from '../../../src/deploy/tar.js';
import { WasmhostError } from '../../../src/errors.js';
import { paxPath, writeTar, type TarWriterEntry } from '../../support/tar-writer.js';

const budgets: TarBudgets = { maxEntries: 100, maxTotalBytes: 1024 * 1024 };
const text = (data: Uint8Array) => new TextDecoder().decode(data);

/** The refusal reason (error.data.reason) reading `entries` gives, and its message. */
function refusal(bytes: Uint8Array, limits = budgets): { reason: TarRefusal; message: string } {
  try {
    readTar(bytes, limits);
  } catch (error) {
    expect(error).toBeInstanceOf(WasmhostError);
    const e = error as WasmhostError;
    expect(e.code).toBe('bad-input');
    return { reason: (e.data as { reason: TarRefusal }).reason, message: e.message };
  }
  throw new Error('the archive was accepted');
}
const refused = (entries: TarWriterEntry[], limits = budgets) => refusal(writeTar(entries), limits);

describe('readTar', () => {
  it('reads files and directories with their bytes, normalising ./ and empty segments', () => {
    const entries = readTar(writeTar([
      { name: './', type: '5' },
      { name: './calc.yaml', data: 'kind: ApplicationDeployment\n' },
      { name: 'components/', type: '5' },
      { name: 'components//app.wasm', data: new Uint8Array(1000).fill(7) },
      { name: 'empty', data: '' },
    ]), budgets);
    expect(entries.map((e) => [e.name, e.type, e.data.length])).toEqual([
      ['calc.yaml', 'file', 28], ['components', 'directory', 0], ['components/app.wasm', 'file', 1000], ['empty', 'file', 0],
    ]);
    expect(text(entries[0].data)).toBe('kind: ApplicationDeployment\n');
    expect(entries[2].data.every((b) => b === 7)).toBe(true);
  });

  it('reads long names from the ustar prefix, a pax path record and a GNU long-name entry', () => {
    const long = `${'d'.repeat(120)}/${'f'.repeat(150)}.wasm`;
    const entries = readTar(writeTar([
      { name: 'inner.yaml', prefix: 'some/prefix', data: 'a' },
      paxPath(long),
      { name: 'truncated-name', data: 'b' },
      { name: '././@LongLink', type: 'L', data: `gnu/${'g'.repeat(200)}\0` },
      { name: 'gnu/ggg', data: 'c' },
      { name: 'pax_global_header', type: 'g', data: '52 comment=ignored global header of git archive\n' },
      { name: 'last', data: 'd' },
    ]), budgets);
    expect(entries.map((e) => [e.name, text(e.data)])).toEqual([
      ['some/prefix/inner.yaml', 'a'], [long, 'b'], [`gnu/${'g'.repeat(200)}`, 'c'], ['last', 'd'],
    ]);
  });

  it.each([
    ['../outside.wasm', 'escapes'],
    ['components/../../outside.wasm', 'escapes'],
    ['/etc/passwd', 'escapes'],
    ['C:/windows.wasm', 'bad-name'],
    ['components\\..\\x', 'bad-name'],
  ])('refuses the name %s (%s)', (name, reason) => {
    const r = refused([{ name: 'ok.yaml', data: 'x' }, { name, data: 'evil' }]);
    expect(r.reason).toBe(reason);
    expect(r.message).toContain(JSON.stringify(name));
  });

  it('refuses a traversal hidden in a pax path record', () => {
    expect(refused([paxPath('a/../../../etc/cron.d/x'), { name: 'harmless', data: 'x' }]).reason).toBe('escapes');
  });

  it.each([
    ['2', 'link', 'symbolic link'],
    ['1', 'link', 'hard link'],
    ['3', 'device', 'character device'],
    ['4', 'device', 'block device'],
    ['6', 'device', 'FIFO'],
    ['S', 'unsupported-type', 'entry type "S"'],
  ])('refuses entry type %s (%s)', (type, reason, words) => {
    const r = refused([{ name: 'component.wasm', type, linkname: '/etc/shadow' }]);
    expect(r.reason).toBe(reason);
    expect(r.message).toContain(words);
    expect(r.message).toContain('"component.wasm"');
  });

  it('refuses more entries than the budget, counting metadata headers', () => {
    const many = Array.from({ length: 6 }, (_, i) => ({ name: `f${i}`, data: 'x' }));
    expect(readTar(writeTar(many.slice(0, 5)), { ...budgets, maxEntries: 5 })).toHaveLength(5);
    expect(refused(many, { ...budgets, maxEntries: 5 })).toMatchObject({ reason: 'too-many-entries' });
    expect(refused([paxPath('a'), ...many.slice(0, 5)], { ...budgets, maxEntries: 5 }).reason).toBe('too-many-entries');
  });

  it('refuses an archive over the total budget and an entry over the entry budget', () => {
    const bytes = writeTar([{ name: 'big.wasm', data: new Uint8Array(4096) }]);
    expect(refusal(bytes, { ...budgets, maxTotalBytes: bytes.length - 1 }).reason).toBe('too-large');
    expect(readTar(bytes, { ...budgets, maxTotalBytes: bytes.length })).toHaveLength(1);
    const r = refusal(bytes, { ...budgets, maxEntryBytes: 4095 });
    expect(r.reason).toBe('too-large');
    expect(r.message).toContain('"big.wasm"');
  });

  it('refuses a size that runs past the end, a missing end marker, a bad checksum and a duplicate name', () => {
    expect(refused([{ name: 'a', data: 'x', declaredSize: 1 << 20 }]).reason).toBe('truncated');
    expect(refusal(writeTar([{ name: 'a', data: 'x' }], { end: false })).reason).toBe('truncated');
    const corrupt = writeTar([{ name: 'a', data: 'x' }]);
    corrupt[0] = 'b'.charCodeAt(0);
    expect(refusal(corrupt).reason).toBe('checksum');
    expect(refused([{ name: 'a', data: 'x' }, { name: './a', data: 'y' }]).reason).toBe('duplicate');
  });

  it('refuses bytes that are not tar at all', () => {
    const noise = new Uint8Array(2048).map((_, i) => (i * 131 + 7) % 256);
    expect(['checksum', 'bad-metadata']).toContain(refusal(noise).reason);
    expect(refusal(new Uint8Array(10)).reason).toBe('truncated');
  });
});
