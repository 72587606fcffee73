/**
 * Azurite's blob service (the Azure Storage emulator, an npm devDependency) in a child process for
 * a test: a free port, telemetry off, data in memory or in a folder that survives a restart, HTTPS
 * and OAuth when asked. Started and stopped by the test; killed by `killLeftovers` if a test fails.
 */
import { join } from 'node:path';
import { freePort, ROOT, sleep, spawnProc, withTimeout, type Proc } from '../../../test/support/processes.js';

/** Azurite's well-known development account and key (public, documented by Microsoft). */
export const DEV_ACCOUNT = 'devstoreaccount1';
export const DEV_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

export interface AzuriteOptions {
  /** Keep data in this folder (restarts keep it); otherwise in memory. */
  location?: string;
  port?: number;
  /** Serve HTTPS with this certificate (needed for bearer tokens) and check tokens (`--oauth basic`). */
  tls?: { certFile: string; keyFile: string };
}

export interface Azurite {
  port: number;
  /** The dev account's blob endpoint: `http(s)://127.0.0.1:<port>/devstoreaccount1`. */
  accountUrl: string;
  proc: Proc;
  stop(): Promise<void>;
}

export async function startAzurite(opts: AzuriteOptions = {}): Promise<Azurite> {
  const port = opts.port ?? (await freePort());
  const args = ['--disableTelemetry', '--blobHost', '127.0.0.1', '--blobPort', String(port), '--silent'];
  args.push(...(opts.location ? ['--location', opts.location] : ['--inMemoryPersistence']));
  if (opts.tls) args.push('--cert', opts.tls.certFile, '--key', opts.tls.keyFile, '--oauth', 'basic');
  const proc = spawnProc(join(ROOT, 'node_modules/.bin/azurite-blob'), args, opts.location ?? ROOT, process.env);
  const deadline = Date.now() + 20_000;
  while (!/successfully listens/.test(proc.stdout())) {
    if (proc.hasExited() || Date.now() > deadline) throw new Error(`azurite did not start\n${proc.stdout()}\n${proc.stderr()}`);
    await sleep(50);
  }
  const scheme = opts.tls ? 'https' : 'http';
  return {
    port,
    accountUrl: `${scheme}://127.0.0.1:${port}/${DEV_ACCOUNT}`,
    proc,
    async stop() {
      if (proc.hasExited() || proc.child.pid === undefined) return;
      process.kill(-proc.child.pid, 'SIGTERM');
      await withTimeout(proc.exited, 10_000, 'azurite stop');
    },
  };
}
