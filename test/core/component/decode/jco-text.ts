// Reads the two texts jco gives about a component, to cross-check the decoder:
// `componentWit` (root world only) and `print` (the component's WAT).

/** One root-level item of `componentWit`'s world. */
export interface WitWorldLine { direction: 'import' | 'export'; name: string; kind: 'interface' | 'inline' | 'func'; line: string }

/** The root-level imports/exports of `componentWit` output, and inline interfaces' function lines. */
export function parseRootWit(text: string): { items: WitWorldLine[]; inlineFuncs: Map<string, string[]> } {
  const items: WitWorldLine[] = [];
  const inlineFuncs = new Map<string, string[]>();
  let current: string[] | undefined;
  for (const raw of text.split('\n')) {
    const m = /^ {2}(import|export) ([^\s:]+(?::[^\s/:]+\/[^\s;]+)?)(.*)$/.exec(raw);
    if (m !== null && !raw.startsWith('   ')) {
      const [, direction, name, rest] = m as unknown as [string, 'import' | 'export', string, string];
      const kind = rest === ';' ? 'interface' : rest.startsWith(': interface') ? 'inline' : 'func';
      items.push({ direction, name, kind, line: raw.trim() });
      current = kind === 'inline' ? [] : undefined;
      if (current !== undefined) inlineFuncs.set(`${direction} ${name}`, current);
      continue;
    }
    const f = /^\s+(.*(?:func\(|constructor\().*);$/.exec(raw);
    if (current !== undefined && f !== null) current.push(f[1]);
  }
  return { items, inlineFuncs };
}

/** For each top-level imported instance in `wat`: the type and function names its instance type exports. */
export function importedInstanceNames(wat: string): Map<string, { types: string[]; funcs: string[] }> {
  const lines = wat.split('\n');
  const typeBlocks = new Map<string, { types: string[]; funcs: string[] }>();
  const out = new Map<string, { types: string[]; funcs: string[] }>();
  for (let i = 0; i < lines.length; i++) {
    const t = /^ {2}\(type (?:\$(\S+) )?\(;(\d+);\)$/.exec(lines[i]);
    if (t !== null && lines[i + 1]?.trim() === '(instance') {
      const block = { types: [] as string[], funcs: [] as string[] };
      for (let j = i + 2; j < lines.length && !/^ {2}\)/.test(lines[j]); j++) {
        const e = /^ {6}\(export (?:\$\S+ )?\(;\d+;\) "([^"]+)" \((type|func)/.exec(lines[j]);
        if (e !== null) (e[2] === 'type' ? block.types : block.funcs).push(e[1]);
      }
      typeBlocks.set(t[2], block);
      if (t[1] !== undefined) typeBlocks.set(`$${t[1]}`, block); // wit-component names types `$ty-<interface>`
    }
    const imp = /^ {2}\(import "([^"]+)" \(instance (?:\$\S+ )?\(;\d+;\) \(type (?:(\$[^\s)]+)\)|(?:\$\S+ )?(?:\(;)?(\d+)?)/.exec(lines[i]);
    const ref = imp?.[2] ?? imp?.[3];
    if (imp !== null && ref !== undefined) {
      const block = typeBlocks.get(ref);
      if (block !== undefined) out.set(imp[1], block);
    }
  }
  return out;
}
