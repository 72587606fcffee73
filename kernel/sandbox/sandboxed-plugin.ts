/**
 * One third-party plugin in its own isolate (never shared with another plugin). Hook calls cross
 * as JSON copies through one synchronous `applySync` (the cheap path: ~20 µs), their results come
 * back through a callback. A timeout, an infinite loop or a memory blow-up is contained: the
 * isolate is disposed, the call fails as a fault, and a fresh isolate is set up for the next call.
 */
import ivm from 'isolated-vm';
import { SluiceError } from '../../plugin-sdk/errors.js';
import type { PluginContext } from '../../plugin-sdk/capabilities.js';
import { CapabilityHost, type SandboxGrants } from './capability-host.js';
import { ISOLATE_RUNTIME } from './isolate-runtime.js';

export interface SandboxLimits {
  memoryMb: number;
  /** Per hook call, including any awaited capability calls. */
  timeoutMs: number;
}

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

const SETUP_TIMEOUT_MS = 10_000;
const MIN_RESTART_INTERVAL_MS = 1_000;

export class SandboxedPlugin {
  private generation: Generation | undefined;
  private starting: Promise<Generation> | undefined;
  private lastRestart = 0;
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
    this.capabilities = new CapabilityHost(ctx, grants, Math.max(limits.timeoutMs, 1000));
  }

  async start(): Promise<SandboxSetupInfo> {
    await this.current();
    return this.info!;
  }

  /** Calls a hook in the isolate. Throws a SluiceError for a verdict, a SandboxFault otherwise. */
  async call(hook: string, payload: unknown): Promise<{ value: unknown; undef: boolean }> {
    const gen = this.generation && !this.generation.dead ? this.generation : await this.current();
    const id = ++this.seq;
    const json = JSON.stringify(payload);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => this.kill(gen, `${hook} exceeded its timeout of ${this.limits.timeoutMs} ms`), this.limits.timeoutMs);
      gen.pending.set(id, { resolve, reject, timer });
      try {
        gen.invoke.applySync(undefined, [id, hook, json], { timeout: this.limits.timeoutMs });
      } catch (err) {
        // Synchronous timeout (an infinite loop) or the isolate died (memory limit).
        this.kill(gen, gen.isolate.isDisposed ? `isolate died: ${(err as Error).message}` : `${hook}: ${(err as Error).message}`);
      }
    });
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
    // A plugin that keeps killing its isolate is restarted at most once a second after the first
    // restart, so it cannot turn the gateway into an isolate factory.
    const wait = this.lastRestart + MIN_RESTART_INTERVAL_MS - Date.now();
    if (this.generations > 1 && wait > 0) await new Promise((r) => setTimeout(r, wait));
    if (this.generations > 0) this.lastRestart = Date.now();
    this.generations++;
    const isolate = new ivm.Isolate({ memoryLimit: this.limits.memoryMb });
    try {
      const context = await isolate.createContext();
      const global = context.global;
      const gen = { isolate, pending: new Map<number, Pending>(), dead: false } as Generation;
      await global.set('__sluiceSettle', new ivm.Callback((id: number, json: string) => this.settle(gen, id, json)));
      await global.set('__sluiceHostCall', new ivm.Callback((id: number, op: string, json: string) => this.hostCall(gen, id, op, json)));
      await global.set('__sluiceLog', new ivm.Callback((level: string, message: string, json: string | undefined) => this.log(level, message, json)));
      await global.set('__sluiceNow', new ivm.Callback(() => Date.now()));
      await (await isolate.compileScript(ISOLATE_RUNTIME, { filename: 'sluice-runtime.js' })).run(context, { timeout: 1000 });
      // Compiled from source every time: no cached data or snapshot from the author is ever used.
      await (await isolate.compileScript(this.bundle, { filename: `${this.ctx.pluginId}.js` })).run(context, { timeout: SETUP_TIMEOUT_MS });
      const runtime = (await global.get('__sluiceRuntime', { reference: true })) as ivm.Reference<Record<string, unknown>>;
      gen.invoke = (await runtime.get('invoke', { reference: true })) as Generation['invoke'];
      gen.reply = (await runtime.get('reply', { reference: true })) as Generation['reply'];
      const setup = (await runtime.get('setup', { reference: true })) as ivm.Reference<(...args: string[]) => Promise<string>>;
      const grants = { http: this.grants.http.length > 0, kv: this.grants.kv, secrets: this.grants.secrets.length > 0 };
      const setupCall = setup.apply(undefined, [this.ctx.pluginId, this.ctx.version, JSON.stringify(grants), JSON.stringify(this.config)], {
        result: { promise: true, copy: true },
        timeout: SETUP_TIMEOUT_MS,
      }) as unknown as Promise<string>;
      let timer: NodeJS.Timeout | undefined;
      const json = await Promise.race([
        setupCall,
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`setup did not finish within ${SETUP_TIMEOUT_MS} ms`)), SETUP_TIMEOUT_MS);
        }),
      ]).finally(() => clearTimeout(timer));
      this.info = JSON.parse(json) as SandboxSetupInfo;
      this.generation = gen;
      return gen;
    } catch (err) {
      if (!isolate.isDisposed) isolate.dispose();
      throw new SandboxFault(this.ctx.pluginId, `setup failed: ${(err as Error).message}`);
    }
  }

  private settle(gen: Generation, id: number, json: string): void {
    const p = gen.pending.get(id);
    if (!p) return;
    gen.pending.delete(id);
    clearTimeout(p.timer);
    let out: { value?: unknown; undef?: boolean; verdict?: VerdictWire; fault?: string };
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
      (value) => this.replyTo(gen, id, true, JSON.stringify(value ?? null)),
      (err: unknown) => this.replyTo(gen, id, false, err instanceof Error ? err.message : String(err)),
    );
  }

  private replyTo(gen: Generation, id: number, ok: boolean, json: string): void {
    if (gen.dead) return;
    gen.reply.apply(undefined, [id, ok, json], { timeout: this.limits.timeoutMs }).catch((err: unknown) => {
      if (!gen.dead) this.kill(gen, `failed while resuming after ${ok ? 'a capability call' : 'a refused capability call'}: ${(err as Error).message}`);
    });
  }

  private log(level: string, message: string, json: string | undefined): void {
    const fields = json ? (safeParse(json) as Record<string, unknown>) : {};
    const log = this.ctx.log as unknown as Record<string, (o: object, m?: string) => void>;
    (log[level] ?? log.info!).call(this.ctx.log, { ...fields, sandbox: true }, message.slice(0, 2000));
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

interface VerdictWire {
  code: string;
  status: number;
  type: string;
  message: string;
  param: string | null;
  envelopeCode: string | number | null;
}

/** A coded error thrown in the isolate, rebuilt on the host. Only 4xx verdicts are honoured as such. */
function toVerdict(v: VerdictWire, pluginId: string): Error {
  if (typeof v.status !== 'number' || v.status < 400 || v.status > 499 || typeof v.code !== 'string') {
    return new SandboxFault(pluginId, `threw a coded error with an invalid status ${String(v.status)}`);
  }
  return new SluiceError(v.code, { status: v.status, type: String(v.type), message: '', envelopeCode: v.envelopeCode }, String(v.message).slice(0, 2000), {
    param: typeof v.param === 'string' ? v.param : null,
  });
}

function safeParse(json: string): unknown {
  try {
    return JSON.parse(json);
  } catch {
    return {};
  }
}
