import { DisplayError, type DisplayBoard, type DisplayContent, type DisplayItem } from '../runtime/display-board.js';
import { allowedName } from './grants.js';
import { interfaceError } from './interface-error.js';
import type { CapabilityProvider } from './provider.js';

/** The WIT `content` variant as jco passes it. */
type WitContent =
  | { tag: 'text'; val: string }
  | { tag: 'value'; val: { value: number; unit: string } }
  | { tag: 'gauge'; val: { value: number; min: number; max: number; unit: string } }
  | { tag: 'series'; val: string };

/** `wasmhost:display/panels` onto the device's display board, for the panel names a deployment grants. */
export function createDisplayProvider(board: DisplayBoard): CapabilityProvider {
  return {
    name: 'display',
    offers: [{ name: 'wasmhost:display/panels', version: '0.1.0', grant: 'display' }],
    create: ({ workload, grants }) => {
      const granted = (panel: string) => {
        if (!allowedName(grants.display, panel)) throw interfaceError({ tag: 'denied' });
      };
      return {
        'wasmhost:display/panels': {
          show(panel: string, title: string, items: { label: string; content: WitContent }[]) {
            granted(panel);
            asInterfaceError(() => board.show(workload, panel, title, items.map(fromWit)));
          },
          append(panel: string, label: string, value: number) {
            granted(panel);
            asInterfaceError(() => board.append(workload, panel, label, value));
          },
          remove(panel: string) {
            if (allowedName(grants.display, panel)) board.remove(workload, panel);
          },
        },
      };
    },
  };
}

function fromWit(item: { label: string; content: WitContent }): DisplayItem {
  const c = item.content;
  const content: DisplayContent =
    c.tag === 'text' ? { kind: 'text', text: c.val }
      : c.tag === 'value' ? { kind: 'value', value: c.val.value, unit: c.val.unit }
        : c.tag === 'gauge' ? { kind: 'gauge', ...c.val }
          : { kind: 'series', unit: c.val, points: [] };
  return { label: item.label, content };
}

/** A refused change is the WIT `display-error`, never a trap. */
function asInterfaceError(change: () => void): void {
  try {
    change();
  } catch (error) {
    if (!(error instanceof DisplayError)) throw error;
    throw interfaceError(error.tag === 'not-found' ? { tag: 'not-found' } : { tag: error.tag, val: error.message });
  }
}
