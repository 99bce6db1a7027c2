// One device per browser profile and id: the tab that runs device `id` holds the Web Lock
// `wasmhost-device:<id>` for as long as it runs it. A second tab with the same id does not get
// it (and so does not run the same workloads a second time) unless it takes over, which takes
// the lock from the first tab: that tab's `lost` resolves and it stops its device.

/** The lock of a running device; `lost` resolves when another tab took it over. */
export interface DeviceLock { readonly lost: Promise<void> }

const lockName = (id: string) => `wasmhost-device:${id}`;

/**
 * Takes device `id`'s lock; undefined when another tab of this browser profile holds it.
 * `takeOver` takes it from that tab instead.
 */
export function acquireDeviceLock(id: string, takeOver = false): Promise<DeviceLock | undefined> {
  return new Promise((resolve, reject) => {
    let lostNow!: () => void;
    const lost = new Promise<void>((r) => (lostNow = r));
    navigator.locks.request(lockName(id), takeOver ? { steal: true } : { ifAvailable: true }, (lock) => {
      if (!lock) return resolve(undefined);
      resolve({ lost });
      return new Promise<void>(() => undefined); // held until the page goes away, or another tab steals it
    }).catch((error: Error) => {
      if (error.name === 'AbortError') lostNow();
      else reject(error);
    });
  });
}
