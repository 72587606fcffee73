/**
 * Sluice as an operator runs it, in child processes: each spawned in its own process group (bin
 * re-executes itself; npm adds more), with its output captured, and killed by the test's cleanup
 * if a test left it running.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { connect, createServer } from 'node:net';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The host's settings that would change what the command does. */
const HOST_ONLY = ['SLUICE_MASTER_KEY', 'LITELLM_MASTER_KEY', 'DATABASE_URL', 'REDIS_URL', 'REDIS_HOST', 'PORT', 'SLUICE_DATA_DIR', 'LOG_LEVEL', 'NODE_OPTIONS'];

export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const name of HOST_ONLY) delete env[name];
  return { ...env, ...extra };
}

export interface Proc {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  hasExited(): boolean;
}

const running: Proc[] = [];

/** Spawns `command args` as the leader of a new process group. */
export function spawnProc(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): Proc {
  const child = spawn(command, args, { cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  let done = false;
  child.stdout!.on('data', (c: Buffer) => (out += c.toString('utf8')));
  child.stderr!.on('data', (c: Buffer) => (err += c.toString('utf8')));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolveExit) =>
    child.on('close', (code, signal) => {
      done = true;
      resolveExit({ code, signal });
    }),
  );
  const proc: Proc = { child, stdout: () => out, stderr: () => err, exited, hasExited: () => done };
  running.push(proc);
  return proc;
}

/** Stops tracking a process that ended by itself (a build). */
export function forget(proc: Proc): void {
  const i = running.indexOf(proc);
  if (i !== -1) running.splice(i, 1);
}

/** For `afterEach`: kills the whole process group of anything a failed test left running (ours, by id). */
export async function killLeftovers(): Promise<void> {
  for (const p of running.splice(0)) {
    if (p.hasExited() || p.child.pid === undefined) continue;
    try {
      process.kill(-p.child.pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
    await withTimeout(p.exited, 5_000, 'killed process').catch(() => undefined);
  }
}

export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no result after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolvePort(port));
    });
  });
}

export function portRefuses(port: number): Promise<boolean> {
  return new Promise((resolveRefused) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolveRefused(false);
    });
    socket.once('error', () => resolveRefused(true));
  });
}

/** Polls `GET /health/readiness` until 200; fails early with the output when the process died. */
export async function waitReady(proc: Proc, port: number, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (proc.hasExited()) throw new Error(`exited before it was ready\nstdout:\n${proc.stdout()}\nstderr:\n${proc.stderr()}`);
    try {
      const res = await fetch(`http://127.0.0.1:${port}/health/readiness`);
      if (res.status === 200) return;
    } catch {
      /* not listening yet */
    }
    await sleep(100);
  }
  throw new Error(`not ready after ${timeoutMs} ms\nstdout:\n${proc.stdout()}\nstderr:\n${proc.stderr()}`);
}
