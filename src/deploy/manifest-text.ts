// Manifest text → plain data. YAML 1.2 is a superset of JSON, so one parser reads both
// and reports every syntax error with its line and column.

import { LineCounter, parseDocument } from 'yaml';
import { Problems } from './manifest-fields.js';

/**
 * The document in `input`: parsed when it is YAML or JSON text, returned as it is when it is
 * already an object. Throws `bad-input` listing each syntax error as `source:line:column: message`.
 */
export function readManifestInput(input: unknown, source?: string): unknown {
  if (typeof input !== 'string') return input;
  const lineCounter = new LineCounter();
  // uniqueKeys (the default) makes a repeated key an error, not a silent overwrite.
  const doc = parseDocument(input, { prettyErrors: false, lineCounter, uniqueKeys: true });
  const problems = new Problems(source);
  for (const error of doc.errors) {
    const { line, col } = lineCounter.linePos(error.pos[0]);
    const message = error.code === 'MULTIPLE_DOCS'
      ? 'more than one YAML document (---); give one manifest per file'
      : error.message;
    problems.list.push({ path: '', message, source: source ?? 'input', line, column: col });
  }
  problems.throwIfAny();
  try {
    // maxAliasCount bounds alias expansion ("billion laughs").
    return doc.toJS({ maxAliasCount: 100 });
  } catch (error) {
    problems.add('', `YAML: ${error instanceof Error ? error.message : String(error)}`);
    problems.throwIfAny();
    return undefined; // unreachable
  }
}
