// Importing jco's glue as an ES module costs ~15 ms per fresh process (module loader
// plus parsing 100+ KB). The glue has no imports and exports `instantiate` (and an
// empty `_util`), so it can run as a classic script instead, with V8's code cache
// kept beside it (glue-code-cache.ts): about 2–4 ms. Glue of any other shape is imported as a module.

const EXPORT_INSTANTIATE = /^export function instantiate\(/m;
const EXPORT_UTIL = /^export const _util = /m;
// Any other import or export at the start of a line. (Not /^\s*…/m: on 150 KB of glue that
// form costs a worker twice the time, and this runs in every new worker.)
const OTHER_MODULE_SYNTAX = /(?:^|\n)[ \t]*(?:import|export)\b/;

/** The glue rewritten as a script whose completion value is `{ instantiate }`, or undefined if its shape is unexpected. */
export function glueAsScript(source: string): string | undefined {
  const body = source.replace(EXPORT_INSTANTIATE, 'function instantiate(').replace(EXPORT_UTIL, 'const _util = ');
  if (OTHER_MODULE_SYNTAX.test(body)) return undefined;
  // `import.meta.url` only serves jco's default core-module loader, which the host always replaces.
  return `(function () {\n${body.replaceAll('import.meta.url', 'undefined')}\nreturn { instantiate };\n})()`;
}
