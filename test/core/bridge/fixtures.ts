// Golden bridge frames: test/fixtures/bridge/<name>.hex holds `#` comment lines (what the frame
// is, in CBOR diagnostic notation) and the frame's bytes in hex.
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const dir = fileURLToPath(new URL('../../fixtures/bridge/', import.meta.url));

/** The bytes of fixture `name`. */
export function fixture(name: string): Uint8Array {
  return fromHex(fixtureHex(name));
}

/** The hex of fixture `name`, comments and white space removed. */
export function fixtureHex(name: string): string {
  const text = readFileSync(`${dir}${name}.hex`, 'utf8');
  return text.split('\n').filter((line) => !line.startsWith('#')).join('').replace(/\s+/g, '');
}

/** Every fixture name. */
export function fixtureNames(): string[] {
  return readdirSync(dir).filter((f) => f.endsWith('.hex')).map((f) => f.slice(0, -4)).sort();
}

export function fromHex(hex: string): Uint8Array {
  return Uint8Array.from(Buffer.from(hex.replace(/\s+/g, ''), 'hex'));
}

export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}
