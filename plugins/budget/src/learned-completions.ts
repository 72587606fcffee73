/**
 * How long a model's replies really are, learned from the calls it settled. A call without
 * `max_tokens` used to reserve `default_completion_tokens` (1024), often ten times what models
 * reply, so a burst against a small budget admitted one or two calls where five fitted. It now
 * reserves the largest completion among the model's last calls without `max_tokens` (per choice):
 * a high estimate that still follows the model. Before enough calls were seen the default holds.
 *
 * In memory: preCall reads one map entry; onSpend updates a small ring. With Redis, instances tell
 * each other what they saw once per tick (one publish a second at most), so an instance that just
 * started learns from the others' calls instead of reserving the default for its first ones.
 */

/** Completions remembered per model: the estimate is the largest of these. */
export const LEARNED_WINDOW = 32;
/** Calls a model must have settled before its learned size replaces the default. */
export const LEARNED_MIN_SAMPLES = 3;
/** Models tracked at most (the model name comes from the request). */
const MAX_MODELS = 1_000;

class ModelCompletions {
  readonly ring = new Array<number>(LEARNED_WINDOW).fill(0);
  count = 0;
  largest = 0;

  add(tokens: number): void {
    this.ring[this.count % LEARNED_WINDOW] = tokens;
    this.count++;
    // Recomputed over the ring (32 numbers) so the estimate comes down when a long reply ages out.
    let largest = 0;
    for (let i = 0; i < Math.min(this.count, LEARNED_WINDOW); i++) largest = Math.max(largest, this.ring[i]!);
    this.largest = largest;
  }
}

/** The pub/sub channel instances share observed sizes on. */
export const COMPLETION_SIZES_CHANNEL = 'budget:completion-sizes';

interface SizesMessage {
  from: string;
  /** Model → completion tokens per choice of calls settled since the last message. */
  sizes: Record<string, number[]>;
}

export class LearnedCompletions {
  private readonly models = new Map<string, ModelCompletions>();
  /** What this instance saw since it last published, per model (at most a window each). */
  private outbox = new Map<string, number[]>();

  /** `instanceId`: set when sizes are shared with other instances (it tells our own messages apart). */
  constructor(
    private readonly fallbackTokens: number,
    private readonly instanceId?: string,
  ) {}

  /** Completion tokens per choice to reserve for a call to `model` that sets no `max_tokens`. */
  tokensPerChoice(model: string): number {
    const m = this.models.get(model);
    return m !== undefined && m.count >= LEARNED_MIN_SAMPLES ? m.largest : this.fallbackTokens;
  }

  /** Records a settled call's completion (all choices) of a call that set no `max_tokens`. */
  observe(model: string, completionTokens: number, choices: number): void {
    if (!Number.isFinite(completionTokens) || completionTokens < 0) return;
    const perChoice = Math.ceil(completionTokens / Math.max(1, choices));
    if (!this.add(model, perChoice) || this.instanceId === undefined) return;
    let pending = this.outbox.get(model);
    if (pending === undefined) this.outbox.set(model, (pending = []));
    if (pending.length < LEARNED_WINDOW) pending.push(perChoice);
  }

  /** The message telling other instances what this one saw since the last message; undefined when nothing. */
  takeMessage(): string | undefined {
    if (this.instanceId === undefined || this.outbox.size === 0) return undefined;
    const message: SizesMessage = { from: this.instanceId, sizes: Object.fromEntries(this.outbox) };
    this.outbox = new Map();
    return JSON.stringify(message);
  }

  /** Learns from another instance's message (its own, and anything malformed, are ignored). */
  receive(text: string): void {
    let message: Partial<SizesMessage>;
    try {
      message = JSON.parse(text) as Partial<SizesMessage>;
    } catch {
      return;
    }
    if (message.from === this.instanceId || typeof message.sizes !== 'object' || message.sizes === null) return;
    for (const [model, sizes] of Object.entries(message.sizes)) {
      if (!Array.isArray(sizes)) continue;
      for (const tokens of sizes.slice(0, LEARNED_WINDOW)) {
        if (typeof tokens === 'number' && Number.isFinite(tokens) && tokens >= 0) this.add(model, Math.ceil(tokens));
      }
    }
  }

  private add(model: string, perChoice: number): boolean {
    let m = this.models.get(model);
    if (m === undefined) {
      if (this.models.size >= MAX_MODELS) return false;
      this.models.set(model, (m = new ModelCompletions()));
    }
    m.add(perChoice);
    return true;
  }
}
