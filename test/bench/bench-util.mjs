// Small helpers shared by the benchmark scripts that start their own processes.
import { createServer } from 'node:net';

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** A TCP port free right now on 127.0.0.1 (the OS picks it). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** Whether a gateway at `origin` answers its readiness probe with 200 (false while it cannot be reached). */
export async function answersReady(origin) {
  try {
    const res = await fetch(`${origin}/health/readiness`);
    await res.arrayBuffer();
    return res.status === 200;
  } catch {
    return false;
  }
}

/** The benchmark's one model group, `bench-model`, at the mock upstream (model_list lines). */
export function benchModelYaml(upstream) {
  return ['model_list:', '  - model_name: bench-model', '    litellm_params:', '      model: openai/bench-model', `      api_base: ${upstream}/v1`, '      api_key: sk-upstream'];
}

/**
 * Polls `test` every 100 ms until it gives something truthy, and resolves to that; rejects when the
 * process `name` stops being `alive()` first, or after `timeoutMs`.
 */
export async function until(name, alive, test, what, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!alive()) throw new Error(`${name} exited before ${what}`);
    const found = await test();
    if (found) return found;
    await sleep(100);
  }
  throw new Error(`${name}: not ${what} after ${timeoutMs} ms`);
}
