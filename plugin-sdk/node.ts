/**
 * `@sluice/plugin-sdk/node`: helpers for plugins that run in-process, in Node. They use Node
 * built-ins (fs, crypto), which a sandboxed plugin's isolate does not have, so they live apart
 * from the index (everything there also works inside the sandbox).
 */
export * from './batch-writer.js';
export * from './list-setting.js';
export * from './google-service-account.js';
export * from './secret-manager.js';
export * from './memory-counters.js';
export * from './multipart.js';
export * from './ip-allowlist.js';
export * from './secret-cache.js';
export * from './google-client-options.js';
export * from './log-delivery.js';
export * from './log-destinations.js';
