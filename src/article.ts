// English articles for words the host puts into messages: "an incoming-request", "a u32".

/** `a` or `an` for the word as it is read aloud (type names like `s32` are read letter by letter). */
export function article(word: string): 'a' | 'an' {
  const w = word.replace(/^[^A-Za-z0-9]+/, '').toLowerCase();
  if (/^[fhlmnrsx]\d/.test(w)) return 'an'; // "an s32", "an f64"
  if (/^u(\d|ni|s[aeiu]|tf)/.test(w)) return 'a'; // "a u32", "a unit", "a utf-8 string"
  return /^[aeiou]/.test(w) ? 'an' : 'a';
}

/** The word with its article: `an incoming-request`, `a 'sensors' grant` given `'sensors' grant`. */
export function withArticle(text: string): string {
  return `${article(text)} ${text}`;
}
