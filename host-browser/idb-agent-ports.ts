import { WasmhostError } from '../src/errors.js';
import type { AgentState, AgentStateStore, ComponentStore } from '../src/ports/agent-ports.js';
import { IDB_STORES, idbError, inTransaction, requestResult } from './idb.js';

/**
 * Agent state in `db`'s `agent` object store under `key` (default `state`). Kept as JSON
 * text, as the file store keeps it, so both hosts round-trip a state alike (structured clone
 * would also keep `undefined` fields and refuse anything not cloneable). `save` is one put in
 * one strict-durability transaction: a crash leaves the old state or the new one.
 */
export function createIdbStateStore(db: IDBDatabase, key = 'state'): AgentStateStore {
  return {
    async load() {
      let text: unknown;
      try {
        text = await inTransaction(db, IDB_STORES.agent, 'readonly', (objects) => requestResult(objects.get(key)));
      } catch (error) {
        throw idbError(`cannot read agent state "${key}" from IndexedDB database "${db.name}"`, error);
      }
      if (text === undefined) return undefined;
      try {
        if (typeof text !== 'string') throw new Error(`a ${typeof text}, not JSON text`);
        return JSON.parse(text) as AgentState;
      } catch (error) {
        throw new WasmhostError('bad-input', `agent state "${key}" in IndexedDB database "${db.name}" is not valid JSON (${(error as Error).message}); delete it to start afresh`);
      }
    },
    async save(state) {
      const text = JSON.stringify(state);
      try {
        await inTransaction(db, IDB_STORES.agent, 'readwrite', (objects) => void objects.put(text, key), 'strict');
      } catch (error) {
        throw idbError(`cannot save agent state "${key}" to IndexedDB database "${db.name}"`, error);
      }
    },
  };
}

/** Component bytes in `db`'s `components` object store, by digest. */
export function createIdbComponentStore(db: IDBDatabase): ComponentStore {
  return {
    async get(digest) {
      let value: unknown;
      try {
        value = await inTransaction(db, IDB_STORES.components, 'readonly', (objects) => requestResult(objects.get(digest)));
      } catch (error) {
        throw idbError(`cannot read component ${digest} from IndexedDB database "${db.name}"`, error);
      }
      return value instanceof Uint8Array ? value : undefined;
    },
    async put(digest, bytes) {
      try {
        // A copy of just the view's bytes: structured clone would keep a whole shared buffer.
        await inTransaction(db, IDB_STORES.components, 'readwrite', (objects) => void objects.put(bytes.slice(), digest));
      } catch (error) {
        throw idbError(`cannot store component ${digest} in IndexedDB database "${db.name}"`, error);
      }
    },
  };
}
