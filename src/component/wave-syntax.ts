// WAVE text to an untyped syntax tree. Which WIT value a node stands for (a label may be
// an enum case, a variant case or a flag) is decided later against the type.

import { syntaxError, WaveLexer, type Token } from './wave-lexer.js';

/** A label with the offset where it was written. */
export interface WaveLabel { name: string; start: number }

/** A node of WAVE syntax; `start`/`end` are offsets into the text. */
export type WaveNode = { start: number; end: number } & (
  | { kind: 'number'; text: string }
  | { kind: 'bool'; value: boolean }
  | { kind: 'char'; value: string }
  | { kind: 'string'; value: string }
  /** A case: `label`, `label(payload)`, or the keywords `some(x)`, `none`, `ok`, `ok(x)`, `err`, `err(x)`. */
  | { kind: 'case'; name: string; keyword: boolean; payload?: WaveNode }
  | { kind: 'tuple'; items: WaveNode[] }
  | { kind: 'list'; items: WaveNode[] }
  | { kind: 'record'; fields: { label: WaveLabel; value: WaveNode }[] }
  | { kind: 'flags'; flags: WaveLabel[] }
);

const MAX_DEPTH = 100;

/** Parses WAVE syntax from a lexer positioned at a value; `parseWaveSyntax` wraps it for whole texts. */
export class WaveSyntaxParser {
  private depth = 0;

  constructor(readonly lexer: WaveLexer) {}

  /** Parses one value. */
  value(): WaveNode {
    if (++this.depth > MAX_DEPTH) throw this.error(this.lexer.peek(), `values nested more than ${MAX_DEPTH} deep`);
    try { return this.valueInner(); } finally { this.depth--; }
  }

  /** Parses comma-separated values up to `close` (the opening token already consumed); trailing comma allowed. */
  sequence(close: ')' | ']'): { items: WaveNode[]; end: number } {
    const items: WaveNode[] = [];
    for (;;) {
      if (this.lexer.peek().kind === close) return { items, end: this.lexer.next().end };
      items.push(this.value());
      const sep = this.lexer.next();
      if (sep.kind === close) return { items, end: sep.end };
      if (sep.kind !== ',') throw this.unexpected(sep, `',' or '${close}'`);
    }
  }

  /** Fails unless the text has ended. */
  expectEnd(): void {
    const token = this.lexer.next();
    if (token.kind !== 'end') throw this.unexpected(token, 'end of text');
  }

  private valueInner(): WaveNode {
    const token = this.lexer.next();
    const { start, end, value } = token;
    switch (token.kind) {
      case 'number': return { kind: 'number', text: value, start, end };
      case 'char': return { kind: 'char', value, start, end };
      case 'string': return { kind: 'string', value, start, end };
      case '(': return { kind: 'tuple', ...this.spanned(start, this.sequence(')')) };
      case '[': return { kind: 'list', ...this.spanned(start, this.sequence(']')) };
      case '{': return this.braces(start);
      case 'label': return this.caseNode(token, false);
      case 'keyword':
        if (value === 'true' || value === 'false') return { kind: 'bool', value: value === 'true', start, end };
        if (value === 'inf' || value === 'nan') return { kind: 'number', text: value, start, end };
        return this.caseNode(token, true);
      default: throw this.unexpected(token, 'a value');
    }
  }

  private spanned(start: number, seq: { items: WaveNode[]; end: number }): { items: WaveNode[]; start: number; end: number } {
    return { items: seq.items, start, end: seq.end };
  }

  private caseNode(token: Token, keyword: boolean): WaveNode {
    const name = token.value;
    if (this.lexer.peek().kind !== '(') {
      if (keyword && name === 'some') throw this.error(token, "'some' needs a payload: some(value)");
      return { kind: 'case', name, keyword, start: token.start, end: token.end };
    }
    if (keyword && name === 'none') throw this.error(token, "'none' takes no payload");
    this.lexer.next();
    const payload = this.value();
    const close = this.lexer.next();
    if (close.kind !== ')') throw this.unexpected(close, `')' closing ${name}(…)`);
    return { kind: 'case', name, keyword, payload, start: token.start, end: close.end };
  }

  /** `{}` empty flags, `{:}` empty record, `{a: 1, b: 2}` record, `{read, write}` flags. */
  private braces(start: number): WaveNode {
    const first = this.lexer.next();
    if (first.kind === '}') return { kind: 'flags', flags: [], start, end: first.end };
    if (first.kind === ':') {
      const close = this.lexer.next();
      if (close.kind !== '}') throw this.unexpected(close, "'}' after '{:'");
      return { kind: 'record', fields: [], start, end: close.end };
    }
    const isRecord = this.lexer.peek().kind === ':';
    const fields: { label: WaveLabel; value: WaveNode }[] = [];
    const flags: WaveLabel[] = [];
    let token = first;
    for (;;) {
      const label = this.label(token, isRecord ? 'a field name' : 'a flag name');
      if ((isRecord ? fields.map((f) => f.label) : flags).some((l) => l.name === label.name)) {
        throw this.error(token, `duplicate ${isRecord ? 'field' : 'flag'} '${label.name}'`);
      }
      if (isRecord) {
        const colon = this.lexer.next();
        if (colon.kind !== ':') throw this.unexpected(colon, `':' after field '${label.name}'`);
        fields.push({ label, value: this.value() });
      } else flags.push(label);
      let sep = this.lexer.next();
      if (sep.kind === ',') sep = this.lexer.peek().kind === '}' ? this.lexer.next() : sep;
      if (sep.kind === '}') {
        return isRecord ? { kind: 'record', fields, start, end: sep.end } : { kind: 'flags', flags, start, end: sep.end };
      }
      if (sep.kind !== ',') throw this.unexpected(sep, "',' or '}'");
      token = this.lexer.next();
    }
  }

  private label(token: Token, what: string): WaveLabel {
    // Keywords are fine as field and flag names: `{ok: true}`.
    if (token.kind !== 'label' && token.kind !== 'keyword') throw this.unexpected(token, what);
    return { name: token.value, start: token.start };
  }

  private unexpected(token: Token, expected: string): Error {
    const text = this.lexer.src.slice(token.start, token.end);
    const got = token.kind === 'end' ? 'end of text' : `'${text.length > 30 ? text.slice(0, 27) + '...' : text}'`;
    return this.error(token, `expected ${expected}, got ${got}`);
  }

  private error(token: Token, message: string): Error {
    return syntaxError(this.lexer.src, token.start, message);
  }
}

/** Parses a whole WAVE text (one value, surrounding whitespace and comments allowed) into syntax. */
export function parseWaveSyntax(text: string): WaveNode {
  const parser = new WaveSyntaxParser(new WaveLexer(text));
  const node = parser.value();
  parser.expectEnd();
  return node;
}
