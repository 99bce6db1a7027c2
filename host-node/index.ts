export { createNodeHost, defaultCacheDir, type NodeHostOptions } from './node-host.js';
export { createTestHost, type NodeTestHostOptions } from './test-host.js';
export { createFileArtifactCache, type FileArtifactCacheOptions } from './file-artifact-cache.js';
export { createWasiProvider, WasiExit, type WasiOptions } from './wasi-provider.js';
export * from '../src/index.js';
export { createSqliteStore, type SqliteStoreOptions } from './sqlite-store.js';
export { createNodeHttpClient, type NodeHttpClientOptions } from './https-client.js';
export { createFileComponentStore, createFileStateStore, createPackageFetcher, systemClock } from './file-agent-ports.js';
export { readDesiredDir, watchDesiredDir } from './desired-dir.js';
