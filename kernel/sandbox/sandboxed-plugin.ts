/**
 * One third-party plugin in its own isolate (never shared with another plugin). Hook calls cross
 * as JSON copies through an async `apply`: the isolate runs on isolated-vm's own thread, never on
 * Node's event loop, so a plugin that spins delays only the calls it serves (they queue for its
 * single isolate), each at most its `timeoutMs` — waiting for a (re)start included. Results come
 * back through a callback. A timeout, an infinite loop or a memory blow-up is contained: the
 * isolate is disposed, the calls in it fail as faults, and a fresh isolate is set up for the next
 * call, its setup bounded by `setupTimeoutMs` (a call waits for it only within its own timeout).
 */
import ivm from 'isolated-vm';
import { sandboxBoundary, type PluginContext } from '@sluice/plugin-sdk';
import { CapabilityHost, type SandboxGrants } from './capability-host.js';
import { ISOLATE_RUNTIME } from './isolate-runtime.js';
import { boundFields, MAX_LOG_FIELDS_JSON, MAX_LOG_MESSAGE } from '../logging/bounded-fields.js';

export interface SandboxLimits {
  memoryMb: number;
  /** Per hook call, including any awaited capability calls and waiting for a restart. */
  timeoutMs: number;
  /** Evaluating the bundle and the plugin's setup(), at start and at every restart. */
  setupTimeoutMs?: number;
}

export const DEFAULT_SETUP_TIMEOUT_MS = 2_000;

export interface SandboxSetupInfo {
  id: string;
  version: string;
  apiVersion: string;
  hooks: ('preAuth' | 'preCall' | 'onSpend' | 'onAudit')[];
  postCall?: { streaming: 'chunk' | 'buffer' | 'none'; response: boolean; chunk: boolean };
  secretResolvers: string[];
  unsupported: string[];
}

interface Pending {
  resolve(value: { value: unknown; undef: boolean }): void;
  reject(err: Error): void;
  timer: NodeJS.Timeout;
}

interface Generation {
  isolate: ivm.Isolate;
  invoke: ivm.Reference<(id: number, hook: string, json: string) => void>;
  reply: ivm.Reference<(id: number, ok: boolean, json: string) => void>;
  pending: Map<number, Pending>;
  dead: boolean;
}

/** A failure of the plugin (not a verdict): it follows the plugin's failure policy. */
export class SandboxFault extends Error {
  constructor(pluginId: string, what: string) {
    super(`sandboxed plugin ${pluginId}: ${what}`);
    this.name = 'SandboxFault';
  }
}

const RESTART_INTERVAL_MS = 1_000;
const RESTART_BURST = 5;
const LOG_LEVELS = new Set(['debug', 'info', 'warn', 'error']);

export class SandboxedPlugin {
  private generation: Generation | undefined;
  private starting: Promise<Generation> | undefined;
  private restartTokens = RESTART_BURST;
  private tokensAt = Date.now();
  private generations = 0;
  private seq = 0;
  private closed = false;
  private readonly capabilities: CapabilityHost;
  info: SandboxSetupInfo | undefined;

  constructor(
    private readonly bundle: string,
    private readonly ctx: PluginContext,
    private readonly config: Record<string, unknown>,
    private readonly limits: SandboxLimits,
    private readonly grants: SandboxGrants,
    private readonly onRestart: (reason: string) => void,
  ) {
    this.capabilities = new CapabilityHost(ctx, grants, { fetchTimeoutMs: Math.max(limits.timeoutMs, 1000), memoryMb: limits.memoryMb });
  }

  async start(): Promise<SandboxSetupInfo> {
    await this.current();
    return this.info!;
  }

  /** Calls a hook in the isolate. Throws a SluiceError for a verdict, a SandboxFault otherwise. */
  async call(hook: string, payload: unknown): Promise<{ value: unknown; undef: boolean }> {
    const deadline = Date.now() + this.limits.timeoutMs;
    const gen = this.generation && !this.generation.dead ? this.generation : await this.readyBy(deadline, hook);
    const id = ++this.seq;
    const json = JSON.stringify(payload);
    return new Promise((resolve, reject) => {
      if (gen.dead) return reject(new SandboxFault(this.ctx.pluginId, `${hook}: the isolate was disposed before the call started`));
      const remaining = Math.max(1, deadline - Date.now());
      const timer = setTimeout(() => this.kill(gen, `${hook} exceeded its timeout of ${this.limits.timeoutMs} ms`), remaining);
      gen.pending.set(id, { resolve, reject, timer });
      // The result comes back through settle(); this rejects on a synchronous timeout (an endless
      // loop) or when the isolate died (its memory limit), which ends the call at once.
      gen.invoke.apply(undefined, [id, hook, json], { timeout: remaining }).catch((err: unknown) => {
        this.kill(gen, gen.isolate.isDisposed ? `isolate died: ${(err as Error).message}` : `${hook}: ${(err as Error).message}`);
      });
    });
  }

  /** The running isolate, waiting for a (re)start no longer than the call's own deadline. */
  private async readyBy(deadline: number, hook: string): Promise<Generation> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new SandboxFault(this.ctx.pluginId, `${hook}: the isolate was still starting after ${this.limits.timeoutMs} ms`)),
        Math.max(0, deadline - Date.now()),
      );
    });
    try {
      return await Promise.race([this.current(), late]);
    } finally {
      clearTimeout(timer);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.generation) this.kill(this.generation, 'the gateway is shutting down', false);
  }

  private current(): Promise<Generation> {
    if (this.closed) return Promise.reject(new SandboxFault(this.ctx.pluginId, 'closed'));
    this.starting ??= this.spawn().finally(() => {
      this.starting = undefined;
    });
    return this.starting;
  }

  private async spawn(): Promise<Generation> {
    if (this.generations++ > 0) await this.restartAllowance();
    const setupMs = this.limits.setupTimeoutMs ?? DEFAULT_SETUP_TIMEOUT_MS;
    const isolate = new ivm.Isolate({ memoryLimit: this.limits.memoryMb });
    let timer: NodeJS.Timeout | undefined;
    try {
      // Wall-clock bound on the whole setup, awaited capability calls included; everything in it
      // is async, so a setup that stalls holds no other call and not the event loop.
      const gen = await Promise.race([
        this.boot(isolate, setupMs),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`setup did not finish within ${setupMs} ms`)), setupMs);
        }),
      ]);
      if (this.closed) throw new Error('closed');
      this.generation = gen;
      return gen;
    } catch (err) {
      if (!isolate.isDisposed) isolate.dispose();
      throw new SandboxFault(this.ctx.pluginId, `setup failed: ${(err as Error).message}`);
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * A plugin that keeps killing its isolate is restarted at most once a second after a burst of
   * RESTART_BURST, so it cannot turn the gateway into an isolate factory; an occasional restart is
   * immediate, so the calls waiting for it (each within its own timeout) are served.
   */
  private async restartAllowance(): Promise<void> {
    const refill = (now: number) => {
      this.restartTokens = Math.min(RESTART_BURST, this.restartTokens + (now - this.tokensAt) / RESTART_INTERVAL_MS);
      this.tokensAt = now;
    };
    refill(Date.now());
    if (this.restartTokens < 1) {
      await new Promise((r) => setTimeout(r, (1 - this.restartTokens) * RESTART_INTERVAL_MS));
      refill(Date.now());
    }
    this.restartTokens -= 1;
  }

  private async boot(isolate: ivm.Isolate, setupMs: number): Promise<Generation> {
    const context = await isolate.createContext();
    const global = context.global;
    const gen = { isolate, pending: new Map<number, Pending>(), dead: false } as Generation;
    await global.set('__sluiceSettle', new ivm.Callback((id: number, json: string) => this.settle(gen, id, json), { ignored: true }));
    await global.set('__sluiceHostCall', new ivm.Callback((id: number, op: string, json: string) => this.hostCall(gen, id, op, json), { ignored: true }));
    await global.set('__sluiceLog', new ivm.Callback((level: string, message: string, json: string | undefined) => this.log(level, message, json)));
    await global.set('__sluiceNow', new ivm.Callback(() => Date.now()));
    await (await isolate.compileScript(ISOLATE_RUNTIME, { filename: 'sluice-runtime.js' })).run(context, { timeout: 1000 });
    // Compiled from source every time: no cached data or snapshot from the author is ever used.
    await (await isolate.compileScript(this.bundle, { filename: `${this.ctx.pluginId}.js` })).run(context, { timeout: setupMs });
    const runtime = (await global.get('__sluiceRuntime', { reference: true })) as ivm.Reference<Record<string, unknown>>;
    gen.invoke = (await runtime.get('invoke', { reference: true })) as Generation['invoke'];
    gen.reply = (await runtime.get('reply', { reference: true })) as Generation['reply'];
    const setup = (await runtime.get('setup', { reference: true })) as ivm.Reference<(...args: string[]) => Promise<string>>;
    const grants = { http: this.grants.http.length > 0, kv: this.grants.kv, secrets: this.grants.secrets.length > 0 };
    const json = (await setup.apply(undefined, [this.ctx.pluginId, this.ctx.version, JSON.stringify(grants), JSON.stringify(this.config)], {
      result: { promise: true, copy: true },
      timeout: setupMs,
    })) as unknown as string;
    if (gen.dead) throw new Error('the isolate was disposed during setup');
    this.info = JSON.parse(json) as SandboxSetupInfo;
    return gen;
  }

  private settle(gen: Generation, id: number, json: string): void {
    const p = gen.pending.get(id);
    if (!p) return;
    gen.pending.delete(id);
    clearTimeout(p.timer);
    let out: { value?: unknown; undef?: boolean; verdict?: Partial<sandboxBoundary.VerdictWire>; fault?: string };
    try {
      out = JSON.parse(json) as typeof out;
    } catch {
      p.reject(new SandboxFault(this.ctx.pluginId, 'returned an unreadable result'));
      return;
    }
    if (out.verdict) p.reject(toVerdict(out.verdict, this.ctx.pluginId));
    else if (out.fault !== undefined) p.reject(new SandboxFault(this.ctx.pluginId, out.fault));
    else p.resolve({ value: out.value, undef: out.undef === true });
  }

  private hostCall(gen: Generation, id: number, op: string, json: string): void {
    let args: Record<string, unknown>;
    try {
      args = (JSON.parse(json) ?? {}) as Record<string, unknown>;
    } catch {
      args = {};
    }
    this.capabilities.run(op, args).then(
      (reply) => void this.replyTo(gen, id, true, JSON.stringify(reply.value ?? null)).finally(reply.release),
      (err: unknown) => void this.replyTo(gen, id, false, err instanceof Error ? err.message : String(err)),
    );
  }

  /** Resolves once the isolate took the reply (or will never take it). */
  private async replyTo(gen: Generation, id: number, ok: boolean, json: string): Promise<void> {
    if (gen.dead) return;
    await gen.reply.apply(undefined, [id, ok, json], { timeout: this.limits.timeoutMs }).catch((err: unknown) => {
      if (!gen.dead) this.kill(gen, `failed while resuming after ${ok ? 'a capability call' : 'a refused capability call'}: ${(err as Error).message}`);
    });
  }

  /** The plugin's fields go under `data`, bounded: they cannot forge `level`, `plugin` or `msg`. */
  private log(level: string, message: string, json: string | undefined): void {
    const data = json && json.length <= MAX_LOG_FIELDS_JSON ? boundFields(safeParse(json)) : undefined;
    const log = this.ctx.log as unknown as Record<string, (o: object, m?: string) => void>;
    const write = LOG_LEVELS.has(level) ? log[level]! : log.info!;
    write.call(this.ctx.log, data === undefined ? { sandbox: true } : { sandbox: true, data }, String(message).slice(0, MAX_LOG_MESSAGE));
  }

  /** Disposes a generation: stops whatever runs in it and fails every call in flight there. */
  private kill(gen: Generation, reason: string, restart = true): void {
    if (gen.dead) return;
    gen.dead = true;
    if (!gen.isolate.isDisposed) gen.isolate.dispose();
    for (const p of gen.pending.values()) {
      clearTimeout(p.timer);
      p.reject(new SandboxFault(this.ctx.pluginId, reason));
    }
    gen.pending.clear();
    if (this.generation === gen) this.generation = undefined;
    if (restart && !this.closed) this.onRestart(reason);
  }
}

/** A verdict thrown in the isolate, rebuilt on the host under the SDK's one rule (a fault when it breaks it). */
function toVerdict(v: Partial<sandboxBoundary.VerdictWire>, pluginId: string): Error {
  return sandboxBoundary.verdictFromWire(v, pluginId) ?? new SandboxFault(pluginId, `threw a coded error with an invalid status ${String(v.status)}`);
}

function safeParse(json: string): unknown {
  try {
    return JSON.parse(json);
  } catch {
    return undefined;
  }
}
