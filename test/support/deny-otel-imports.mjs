// Module hooks for telemetry tests: importing any @opentelemetry package fails, so an agent
// that still starts provably did not load the SDK.
import { register } from 'node:module';

export async function resolve(specifier, context, next) {
  if (specifier.startsWith('@opentelemetry/')) throw new Error(`telemetry test: '${specifier}' must not be loaded`);
  return next(specifier, context);
}

// Used as `node --import <this file>`: registers itself as the resolve hook.
if (!process.env.WASMHOST_DENY_OTEL_THREAD) {
  process.env.WASMHOST_DENY_OTEL_THREAD = '1';
  register(import.meta.url);
}
