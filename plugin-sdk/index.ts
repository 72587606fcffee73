/** Everything a plugin may import. Plugins never import from the kernel. */
export * from './define-plugin.js';
export * from './errors.js';
export type * from './hook-contexts.js';
export type * from './capabilities.js';
export { httpTarget } from './capabilities.js';
export type * from './counters.js';
export type * from './database.js';
export * from './metrics.js';
export type * from './provider.js';
export { toAbortSignal } from './provider.js';
export type * from './json.js';
export { isJsonSpace } from './json.js';
export * from './sse.js';
export * from './sandbox-context.js';
/** The sandbox wire format, shared by the gateway's isolate host and createTestKernel. */
export * as sandboxBoundary from './sandbox-boundary.js';
export * from './providers/openai-compatible.js';
export type * from './router.js';
export type * from './pricing.js';
export type * from './model-access.js';
export type * from './deployment-source.js';
export type * from './tap-activation.js';
export * from './plugin-scope.js';
export * from './providers/read-json.js';
export * from './governance.js';
export * from './periodic-purge.js';
