// Preloaded into the soak's gateway (`node --expose-gc --import ./soak-heap.mjs …`): the gateway
// exposes no heap figures of its own (metrics-prometheus serves Sluice's series, not prom-client's
// default process metrics), so on SIGUSR2 this prints one `SOAK_HEAP {used, total}` line on stdout,
// measured after a full GC: heap used right after a collection is what a leak grows, while a
// reading at a random moment mostly shows how far the young generation happens to be filled.
import { getHeapStatistics } from 'node:v8';

process.on('SIGUSR2', () => {
  globalThis.gc?.();
  const { used_heap_size: used, total_heap_size: total } = getHeapStatistics();
  process.stdout.write(`SOAK_HEAP ${JSON.stringify({ used, total, gc: typeof globalThis.gc === 'function' })}\n`);
});
