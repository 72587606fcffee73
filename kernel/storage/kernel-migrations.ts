import type { MigrationSet } from './storage.js';
import { MIGRATION_0001_KV } from './migrations/0001_kv.js';

/**
 * The kernel's own tables. Listed explicitly (no directory scan) so the same list works from
 * TypeScript under vitest and from compiled JavaScript. Append new migrations; never reorder.
 */
export const KERNEL_MIGRATIONS: MigrationSet = {
  owner: 'kernel',
  migrations: [MIGRATION_0001_KV],
};
