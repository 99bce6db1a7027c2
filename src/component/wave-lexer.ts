// Tokens of WAVE text (the WebAssembly Value Encoding of wasm-tools' `wasm-wave`):
// punctuation, numbers, labels and keywords, chars and strings with their escapes decoded.

import { WasmhostError } from '../errors.js';

/** The kind of a WAVE token; `end` marks the end of the text. */
export type TokenKind =
  | '{' | '}' | '(' | ')' | '[' | ']' | ':' | ','
  | 'number' | 'label' | 'keyword' | 'char' | 'string' | 'end';

/** A token: for numbers its text, for labels the name without `%`, for chars and strings the decoded text. */
export interface Token { kind: TokenKind; start: number; end: number; value: string }

/** WAVE's reserved words; a case or field named like one is written with a `%` prefix. */
export const KEYWORDS: readonly string[] = ['true', 'false', 'some', 'none', 'ok', 'err', 'inf', 'nan'];

const NUMBER = /^(?:-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?|-inf)$/;
const LABEL = /^%?(?:[a-z][a-z0-9]*|[A-Z][A-Z0-9]*)(?:-(?:[a-z0-9]+|[A-Z0-9]+))*$/;
const NUMBER_RUN = /[-+.0-9A-Za-z_]+/y;
const LABEL_RUN = /%?[A-Za-z0-9_-]+/y;
const ESCAPES: Record<string, string> = { '\\': '\\', "'": "'", '"': '"', t: '\t', n: '\n', r: '\r' };

/** Where an offset is, for messages: `column 12`, or `line 2, column 5` in multi-line text. */
export function positionText(src: string, offset: number): string {
  const before = src.slice(0, offset);
  const lineStart = before.lastIndexOf('\n') + 1;
  const column = [...before.slice(lineStart)].length + 1;
  return src.includes('\n') ? `line ${before.split('\n').length}, column ${column}` : `column ${column}`;
}

/** A `bad-input` error about WAVE text at an offset. */
export function syntaxError(src: string, offset: number, message: string): WasmhostError {
  return new WasmhostError('bad-input', `${message} at ${positionText(src, offset)}`, { data: { offset } });
}

/** Splits WAVE text into tokens, skipping whitespace and `//` comments. */
export class WaveLexer {
  private pos: number;
  private ahead?: Token;

  constructor(readonly src: string, start = 0) { this.pos = start; }

  /** The next token, without consuming it. */
  peek(): Token { return (this.ahead ??= this.scan()); }

  /** Consumes and returns the next token. */
  next(): Token {
    const token = this.peek();
    this.ahead = undefined;
    return token;
  }

  private scan(): Token {
    const src = this.src;
    this.skipTrivia();
    const start = this.pos;
    if (start >= src.length) return { kind: 'end', start, end: start, value: '' };
    const ch = src[start];
    if ('{}()[]:,'.includes(ch)) {
      this.pos++;
      return { kind: ch as TokenKind, start, end: this.pos, value: ch };
    }
    if (ch === '-' || (ch >= '0' && ch <= '9')) return this.run(NUMBER_RUN, NUMBER, 'number');
    if (ch === '%' || /[A-Za-z]/.test(ch)) {
      const token = this.run(LABEL_RUN, LABEL, 'label', ' (kebab-case words, each all lowercase or all uppercase)');
      if (token.value.startsWith('%')) token.value = token.value.slice(1);
      else if (KEYWORDS.includes(token.value)) token.kind = 'keyword';
      return token;
    }
    if (ch === "'") return this.quoted("'", 'char');
    if (ch === '"') return src.startsWith('"""', start) ? this.multiline() : this.quoted('"', 'string');
    const cp = src.codePointAt(start) as number;
    const shown = cp < 0x20 || cp === 0x7f ? `U+${cp.toString(16).toUpperCase().padStart(4, '0')}` : `'${String.fromCodePoint(cp)}'`;
    throw syntaxError(src, start, `unexpected character ${shown}`);
  }

  private skipTrivia(): void {
    const src = this.src;
    while (this.pos < src.length) {
      const ch = src[this.pos];
      if (ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r') this.pos++;
      else if (src.startsWith('//', this.pos)) {
        const nl = src.indexOf('\n', this.pos);
        this.pos = nl < 0 ? src.length : nl + 1;
      } else break;
    }
  }

  private run(run: RegExp, valid: RegExp, kind: TokenKind, hint = ''): Token {
    run.lastIndex = this.pos;
    const text = (run.exec(this.src) as RegExpExecArray)[0];
    if (!valid.test(text)) throw syntaxError(this.src, this.pos, `invalid ${kind} '${text}'${hint}`);
    const start = this.pos;
    this.pos += text.length;
    return { kind, start, end: this.pos, value: text };
  }

  /** A `'c'` char or `"…"` string on one line. */
  private quoted(quote: string, kind: 'char' | 'string'): Token {
    const src = this.src;
    const start = this.pos;
    let i = start + 1;
    for (;;) {
      if (i >= src.length || src[i] === '\n') {
        const hint = src[i] === '\n' ? ` (write a line break as \\n)` : '';
        throw syntaxError(src, start, `unterminated ${kind} literal${hint}`);
      }
      if (src[i] === quote) break;
      i += src[i] === '\\' ? 2 : 1;
    }
    const value = decodeChars(src, start + 1, i);
    this.pos = i + 1;
    if (kind === 'char') {
      const count = [...value].length;
      if (count !== 1) throw syntaxError(src, start, `a char literal holds exactly one character, found ${count}`);
    }
    return { kind, start, end: this.pos, value };
  }

  /** A `"""` multi-line string: dedented by the closing delimiter's indent. */
  private multiline(): Token {
    const src = this.src;
    const start = this.pos;
    const close = src.indexOf('"""', start + 3);
    if (close < 0) throw syntaxError(src, start, 'unterminated multi-line string');
    const lines = src.slice(start + 3, close).split('\n');
    const indent = lines[lines.length - 1];
    if (lines.length < 2 || lines[0].replace(/\r$/, '') !== '') {
      throw syntaxError(src, start, 'opening """ must be followed by a line break');
    }
    if (/[^ ]/.test(indent)) throw syntaxError(src, close, 'closing """ must be on its own line, after spaces only');
    let offset = start + 3 + lines[0].length + 1;
    const out: string[] = [];
    for (const line of lines.slice(1, -1)) {
      if (!line.startsWith(indent)) throw syntaxError(src, offset, 'line indented less than the closing """');
      const end = offset + line.length - (line.endsWith('\r') ? 1 : 0);
      out.push(decodeChars(src, offset + indent.length, end));
      offset += line.length + 1;
    }
    this.pos = close + 3;
    return { kind: 'string', start, end: this.pos, value: out.join('\n') };
  }
}

/** Decodes the characters of src[from, to), resolving escapes and refusing lone surrogates. */
function decodeChars(src: string, from: number, to: number): string {
  let out = '';
  let i = from;
  while (i < to) {
    const cp = src.codePointAt(i) as number;
    if (cp >= 0xd800 && cp <= 0xdfff) throw syntaxError(src, i, `lone surrogate \\u{${cp.toString(16)}} (not a Unicode scalar value)`);
    if (cp !== 0x5c) {
      out += String.fromCodePoint(cp);
      i += cp > 0xffff ? 2 : 1;
      continue;
    }
    const esc = src[i + 1];
    if (esc in ESCAPES) {
      out += ESCAPES[esc];
      i += 2;
      continue;
    }
    const m = esc === 'u' ? /^u\{([0-9a-fA-F]{1,6})\}/.exec(src.slice(i + 1, to)) : null;
    if (!m) throw syntaxError(src, i, `invalid escape '\\${esc ?? ''}' (valid: \\' \\" \\\\ \\t \\n \\r \\u{…})`);
    const value = parseInt(m[1], 16);
    if (value > 0x10ffff || (value >= 0xd800 && value <= 0xdfff)) {
      throw syntaxError(src, i, `invalid escape '\\${m[0]}' (not a Unicode scalar value)`);
    }
    out += String.fromCodePoint(value);
    i += 1 + m[0].length;
  }
  return out;
}
