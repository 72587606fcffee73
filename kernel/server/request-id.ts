/**
 * Request ids: UUIDv7 (RFC 9562), time-ordered. They are the primary key of every per-call row
 * (spend logs, audit), and a time-ordered key appends to the end of the B-tree instead of
 * dirtying a random page per insert, which is most of what a batch commit costs on SQLite and
 * keeps Postgres's index hot. Still a UUID to every client that parses one.
 */
import { randomUUID } from 'node:crypto';

let lastMs = -1;
let prefix = '';

export function requestIdV7(): string {
  const now = Date.now();
  if (now !== lastMs) {
    lastMs = now;
    const hex = now.toString(16).padStart(12, '0');
    prefix = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-7`;
  }
  // randomUUID is v4: keep its random bits and variant, swap in the time and version.
  return prefix + randomUUID().slice(15);
}
