import { createMemoryStore } from '../../src/memory/memory-store.js';
import { storeContract } from '../contracts/store.contract.js';

storeContract('memory', () => createMemoryStore());
