// Small helpers to update a DOM in place: text is only written when it changed, and keyed
// lists keep each item's element (so a selection, a scroll position and a screen reader's
// place survive an update). Text only: nothing is ever parsed as HTML.

/** Builds an element with attributes; children may be elements or strings. */
export function el(tag: string, attrs: Record<string, string> = {}, ...children: (Node | string | undefined)[]): HTMLElement {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  for (const c of children) if (c !== undefined) node.append(c);
  return node;
}

/** Sets `node`'s text when it differs. */
export function setText(node: Element, text: string): void {
  if (node.textContent !== text) node.textContent = text;
}

/** Sets (or, with undefined, removes) an attribute when it differs. */
export function setAttr(node: Element, name: string, value: string | undefined): void {
  if (value === undefined) node.removeAttribute(name);
  else if (node.getAttribute(name) !== value) node.setAttribute(name, value);
}

/** Shows or hides `node` (the `hidden` attribute). */
export function show(node: HTMLElement, visible: boolean): void {
  if (node.hidden === visible) node.hidden = !visible;
}

/**
 * Makes `parent`'s children the elements of `items`, in order: an item's element is made once
 * (`create`, tagged `data-key`) and then only updated (`update`); elements of items gone are removed.
 */
export function syncList<T>(parent: Element, items: readonly T[], key: (item: T) => string, create: (item: T) => HTMLElement, update: (node: HTMLElement, item: T) => void): void {
  const existing = new Map<string, HTMLElement>();
  for (const child of Array.from(parent.children)) if (child instanceof HTMLElement && child.dataset.key !== undefined) existing.set(child.dataset.key, child);
  const wanted = new Set<string>();
  let cursor: Element | null = parent.firstElementChild;
  for (const item of items) {
    const k = key(item);
    wanted.add(k);
    let node = existing.get(k);
    if (!node) {
      node = create(item);
      node.dataset.key = k;
    }
    update(node, item);
    if (node !== cursor) parent.insertBefore(node, cursor);
    else cursor = cursor.nextElementSibling;
  }
  for (const [k, node] of existing) if (!wanted.has(k)) node.remove();
}
