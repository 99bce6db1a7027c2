// What the page saw lately (log lines, outputs, actuator sets, peer and agent news), kept in
// localStorage per device id so a reload does not lose it, and with a sequence number per
// entry so the UI can update its list in place.
import type { DeviceEvent } from '../src/device/console-snapshot.js';

/** Something the page saw (the console's `DeviceEvent`). */
export type PageEvent = DeviceEvent;

/** The activity of one device. */
export interface ActivityLog {
  add(event: Omit<PageEvent, 'at' | 'seq'>): void;
  list(): readonly PageEvent[];
}

/**
 * An activity log of at most `max` entries, restored from and saved (at most once a second) to
 * `storage` under `key`. `onSaveError` hears the first failed save (the storage quota, say):
 * the list in memory stays whole, the saved one is the last that fit.
 */
export function createActivityLog(storage: Storage, key: string, onSaveError: (error: Error) => void, max = 300): ActivityLog {
  const events: PageEvent[] = restore(storage, key);
  let seq = events.at(-1)?.seq ?? 0;
  let saving: ReturnType<typeof setTimeout> | undefined;
  let reported = false;
  const save = () => {
    saving = undefined;
    try {
      storage.setItem(key, JSON.stringify(events));
    } catch (error) {
      if (!reported) onSaveError(error as Error);
      reported = true;
    }
  };
  addEventListener('pagehide', () => {
    if (saving) clearTimeout(saving);
    save();
  });
  return {
    add(event) {
      events.push({ seq: ++seq, at: Date.now(), ...event });
      if (events.length > max) events.splice(0, events.length - max);
      saving ??= setTimeout(save, 1000);
    },
    list: () => events,
  };
}

function restore(storage: Storage, key: string): PageEvent[] {
  try {
    const value = JSON.parse(storage.getItem(key) ?? '[]') as unknown;
    return Array.isArray(value) ? value.filter((e): e is PageEvent => typeof e?.seq === 'number' && typeof e.text === 'string') : [];
  } catch {
    return [];
  }
}
