/**
 * A durable batched writer for plugins that store one row per event (spend logs, audit logs).
 *
 * `push(row)` only appends to an in-memory queue: the request path never waits for a database.
 * The queue is written every `intervalMs`, or as soon as `maxBatch` rows wait, one `write(rows)`
 * call per batch; a caller that aggregates in memory instead hands its rows over through `gather`
 * when a flush starts. A failed write keeps its rows and is retried with capped exponential backoff;
 * the outage is logged once when it starts and once when it ends. Past `maxQueued` rows (a long
 * outage) new rows go to a spill file of JSON lines under the plugin's data dir instead of growing
 * memory, and `close()` spills whatever the database would still not take. A process that exits
 * without `close()` (an operator's second Ctrl-C, `process.exit`) appends what is still queued to
 * the spill file synchronously on its way out. The spill file is replayed (then removed) after the
 * next successful write, in this process or the next one.
 *
 * Rows are delivered at least once: a batch whose commit succeeded but whose acknowledgement was
 * lost is written again. `write` must therefore be idempotent (e.g. insert on conflict do nothing
 * on the row's id). Nothing is dropped silently: the only loss is a spill file that cannot be
 * written (disk full), which is logged as an error with the row count.
 */
import { appendFileSync, createReadStream, createWriteStream, existsSync, mkdirSync, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { appendFile, mkdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from './capabilities.js';

export interface BatchWriterOptions<Row> {
  /** Names the spill file and log lines, e.g. `spend-logs`. */
  name: string;
  /** Writes one batch (one transaction). Must be idempotent: a batch may be written twice. */
  write(rows: Row[]): Promise<void>;
  /**
   * Rows the caller builds lazily, e.g. sums it aggregates in memory between flushes: taken at the
   * start of every flush and by `spillOnExit`, so they are written or spilled like pushed rows.
   */
  gather?(): Row[];
  /** Directory for the spill file (the plugin's `ctx.dataDir`). */
  dataDir: string;
  log: Logger;
  /** Time between flushes. Default 1000 ms. */
  intervalMs?: number;
  /** Most rows per `write` call; reaching it triggers a flush at once. Default 500. */
  maxBatch?: number;
  /** Rows held in memory while the database fails; beyond it rows go to the spill file. Default 10,000. */
  maxQueued?: number;
  /**
   * A row's weight (its size in bytes, say) and the most weight held in memory: beyond it rows go
   * to the spill file too, so a few huge rows cannot take what `maxQueued` small ones would.
   */
  weight?(row: Row): number;
  maxQueuedWeight?: number;
  /** What `write` writes to, for log lines: default `the database`. */
  target?: string;
  /** First retry delay after a failed write. Default 500 ms. */
  retryMinMs?: number;
  /** Longest retry delay. Default 30,000 ms. */
  retryMaxMs?: number;
  now?: () => number;
}

export interface BatchWriterStats {
  /** Rows waiting in memory. */
  queued: number;
  /** Their total `weight` (0 without a weight function). */
  queuedWeight: number;
  /** Rows written since start (including replayed ones). */
  written: number;
  /** Rows sent to the spill file since start. */
  spilled: number;
  /** Rows replayed from a spill file since start. */
  replayed: number;
  /** Rows lost because the spill file could not be written. */
  dropped: number;
  /** Failed write attempts since start. */
  failures: number;
  /** True while the last write attempt failed. */
  failing: boolean;
}

/** Writers not closed yet: a process that exits without closing them spills their rows (see spillOnExit). */
const open = new Set<BatchWriter<unknown>>();
let exitHookInstalled = false;

function trackUntilClosed(writer: BatchWriter<unknown>): void {
  open.add(writer);
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // 'exit' listeners may only do synchronous work: the event loop is gone.
  process.on('exit', () => {
    for (const w of open) w.spillOnExit();
  });
}

export class BatchWriter<Row> {
  private queue: Row[] = [];
  private queuedWeight = 0;
  /** Each queued row's weight (with a weight function), so a row is weighed once. */
  private weights: number[] = [];
  private readonly spillFile: string;
  private readonly replayFile: string;
  private readonly intervalMs: number;
  private readonly maxBatch: number;
  private readonly maxQueued: number;
  private readonly retryMinMs: number;
  private readonly retryMaxMs: number;
  private readonly now: () => number;
  private readonly timer: NodeJS.Timeout;
  private flushing: Promise<void> | undefined;
  private soon: NodeJS.Immediate | undefined;
  /** Spill appends run one after another, so lines never interleave. */
  private spillChain: Promise<void> = Promise.resolve();
  private spillPending: Row[] = [];
  /** Rows of the append in progress: not on disk yet if the process exits now. */
  private spillAppending: Row[] = [];
  private spillScheduled = false;
  private consecutiveFailures = 0;
  private retryAt = 0;
  private closed = false;
  /** Set when a spill file may exist (from this run or a previous one). */
  private spillMayExist: boolean;
  private readonly counts = { written: 0, spilled: 0, replayed: 0, dropped: 0, failures: 0 };

  constructor(private readonly opts: BatchWriterOptions<Row>) {
    this.intervalMs = opts.intervalMs ?? 1000;
    this.maxBatch = opts.maxBatch ?? 500;
    this.maxQueued = Math.max(opts.maxQueued ?? 10_000, this.maxBatch);
    this.retryMinMs = opts.retryMinMs ?? 500;
    this.retryMaxMs = opts.retryMaxMs ?? 30_000;
    this.now = opts.now ?? Date.now;
    this.spillFile = join(opts.dataDir, `${opts.name}.spill.jsonl`);
    this.replayFile = join(opts.dataDir, `${opts.name}.replay.jsonl`);
    this.spillMayExist = existsSync(this.spillFile) || existsSync(this.replayFile);
    this.timer = setInterval(() => void this.flush(), this.intervalMs);
    this.timer.unref();
    trackUntilClosed(this as BatchWriter<unknown>);
    // Rows a previous process left behind go in as soon as the database answers.
    if (this.spillMayExist) this.flushSoon();
  }

  /** Queues a row. O(1); never waits on I/O. */
  push(row: Row): void {
    if (this.closed) throw new Error(`${this.opts.name}: the batch writer is closed`);
    this.enqueue(row);
  }

  private enqueue(row: Row): void {
    const weight = this.opts.weight ? this.opts.weight(row) : 0;
    if (this.queue.length >= this.maxQueued || (this.opts.maxQueuedWeight !== undefined && this.queue.length > 0 && this.queuedWeight + weight > this.opts.maxQueuedWeight)) {
      this.spill([row]);
      return;
    }
    this.queuedWeight += weight;
    if (this.opts.weight) this.weights.push(weight);
    this.queue.push(row);
    if (this.queue.length >= this.maxBatch) this.flushSoon();
  }

  get stats(): BatchWriterStats {
    return { queued: this.queue.length, queuedWeight: this.queuedWeight, ...this.counts, failing: this.consecutiveFailures > 0 };
  }

  /**
   * Writes what is queued, batch by batch, then replays the spill file. Stops at the first failure
   * (the rows stay queued). Concurrent calls share one run. Respects the retry backoff unless `force`.
   */
  flush(force = false): Promise<void> {
    if (this.flushing) return this.flushing;
    if (!force && this.consecutiveFailures > 0 && this.now() < this.retryAt) return Promise.resolve();
    this.flushing = this.run().finally(() => {
      this.flushing = undefined;
    });
    return this.flushing;
  }

  /** Flushes everything it can; what the database still refuses goes to the spill file. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    if (this.soon) clearImmediate(this.soon);
    await this.flushing;
    await this.flush(true);
    if (this.queue.length > 0) {
      const rest = this.queue;
      this.queue = [];
      this.queuedWeight = 0;
      this.weights = [];
      this.spill(rest);
      this.opts.log.warn(
        { rows: rest.length, file: this.spillFile },
        `${this.opts.name}: ${this.opts.target ?? 'the database'} is unavailable at shutdown; rows kept in the spill file and written on the next start`,
      );
    }
    await this.drainSpill();
    open.delete(this as BatchWriter<unknown>);
  }

  /**
   * For a process exiting without `close()`: appends every row not yet written or spilled to the
   * spill file, synchronously. Rows of a write or an append in flight are included; they may then
   * be delivered twice, which `write` tolerates (it is idempotent).
   */
  spillOnExit(): void {
    const rows = [...this.spillAppending, ...this.spillPending, ...this.queue, ...(this.opts.gather?.() ?? [])];
    if (rows.length === 0) return;
    try {
      mkdirSync(this.opts.dataDir, { recursive: true });
      appendFileSync(this.spillFile, toLines(rows));
      this.opts.log.warn({ rows: rows.length, file: this.spillFile }, `${this.opts.name}: exiting before the rows were written; kept in the spill file and written on the next start`);
    } catch (err) {
      this.opts.log.error({ err: (err as Error).message, rows: rows.length, file: this.spillFile }, `${this.opts.name}: could not write the spill file at exit; rows lost`);
    }
    this.queue = [];
    this.queuedWeight = 0;
    this.weights = [];
    this.spillPending = [];
    this.spillAppending = [];
  }

  private flushSoon(): void {
    if (this.soon || this.closed) return;
    this.soon = setImmediate(() => {
      this.soon = undefined;
      void this.flush();
    });
  }

  private async run(): Promise<void> {
    // Writes what was queued when the flush began, then goes on only while full batches wait: rows
    // that trickle in during a write wait for the next tick instead of going in as tiny batches
    // (each a transaction, and a round trip to the writer thread on SQLite).
    if (this.opts.gather) for (const row of this.opts.gather()) this.enqueue(row);
    let due = this.queue.length;
    while (this.queue.length > 0 && (due > 0 || this.queue.length >= this.maxBatch)) {
      const batch = this.queue.slice(0, this.maxBatch);
      if (!(await this.attempt(batch))) return;
      this.queue.splice(0, batch.length);
      if (this.opts.weight) for (const w of this.weights.splice(0, batch.length)) this.queuedWeight -= w;
      this.counts.written += batch.length;
      due -= batch.length;
    }
    if (this.spillMayExist) await this.replay();
  }

  /** One write; on failure schedules the retry and logs the start of an outage. */
  private async attempt(batch: Row[]): Promise<boolean> {
    try {
      await this.opts.write(batch);
    } catch (err) {
      this.counts.failures++;
      this.consecutiveFailures++;
      const delay = Math.min(this.retryMaxMs, this.retryMinMs * 2 ** (this.consecutiveFailures - 1));
      this.retryAt = this.now() + delay;
      if (this.consecutiveFailures === 1) {
        this.opts.log.warn(
          { err: (err as Error).message, queued: this.queue.length },
          `${this.opts.name}: writing to ${this.opts.target ?? 'the database'} failed; rows stay queued and are retried with backoff`,
        );
      } else {
        this.opts.log.debug({ err: (err as Error).message, attempt: this.consecutiveFailures, retryInMs: delay }, `${this.opts.name}: write retry failed`);
      }
      return false;
    }
    if (this.consecutiveFailures > 0) {
      this.opts.log.info({ failedAttempts: this.consecutiveFailures, queued: this.queue.length }, `${this.opts.name}: writes to ${this.opts.target ?? 'the database'} recovered`);
      this.consecutiveFailures = 0;
    }
    return true;
  }

  /**
   * Moves the spill file aside (new spills start a fresh file), writes its rows in batches and
   * deletes it. The file is read line by line, a batch at a time, so replaying a long outage's spill
   * holds one batch in memory, not the file. On a failure the unwritten rows (the failed batch and
   * every line after it) are copied to a new side file for the next try.
   */
  private async replay(): Promise<void> {
    await this.drainSpill();
    if (!existsSync(this.replayFile)) {
      if (!existsSync(this.spillFile)) {
        this.spillMayExist = false;
        return;
      }
      await rename(this.spillFile, this.replayFile);
    }
    const input = createReadStream(this.replayFile, { encoding: 'utf8' });
    const lines = createInterface({ input, crlfDelay: Infinity });
    let batch: Row[] = [];
    let done = 0;
    let bad = 0;
    let rest: WriteStream | undefined;
    const restFile = `${this.replayFile}.rest`;
    try {
      for await (const line of lines) {
        if (rest) {
          if (!rest.write(line + '\n')) await once(rest, 'drain');
          continue;
        }
        if (line.trim() === '') continue;
        try {
          batch.push(JSON.parse(line) as Row);
        } catch {
          bad++; // a line torn by a crash mid-append
          continue;
        }
        if (batch.length < this.maxBatch) continue;
        if (await this.attempt(batch)) {
          done += batch.length;
          this.counts.written += batch.length;
          this.counts.replayed += batch.length;
          batch = [];
        } else {
          rest = createWriteStream(restFile);
          rest.write(toLines(batch));
          batch = [];
        }
      }
      if (!rest && batch.length > 0) {
        if (await this.attempt(batch)) {
          done += batch.length;
          this.counts.written += batch.length;
          this.counts.replayed += batch.length;
        } else {
          rest = createWriteStream(restFile);
          rest.write(toLines(batch));
        }
      }
    } finally {
      lines.close();
      input.destroy();
    }
    if (bad > 0) this.opts.log.error({ lines: bad }, `${this.opts.name}: unreadable lines in the spill file were skipped`);
    if (rest) {
      await new Promise<void>((resolve, reject) => rest!.end((err?: Error | null) => (err ? reject(err) : resolve())));
      await rename(restFile, this.replayFile);
      if (done > 0) this.opts.log.info({ rows: done }, `${this.opts.name}: replayed rows from the spill file (the rest waits for the next try)`);
      return;
    }
    await rm(this.replayFile, { force: true });
    if (done > 0) this.opts.log.info({ rows: done }, `${this.opts.name}: replayed rows from the spill file`);
    // Rows spilled while replaying wait in a fresh spill file: take them on the next flush.
    this.spillMayExist = existsSync(this.spillFile);
  }

  private spill(rows: Row[]): void {
    this.spillMayExist = true;
    for (const r of rows) this.spillPending.push(r);
    if (this.spillScheduled) return; // the scheduled append takes these too
    this.spillScheduled = true;
    this.spillChain = this.spillChain.then(async () => {
      this.spillScheduled = false;
      const batch = this.spillPending;
      this.spillPending = [];
      if (batch.length === 0) return;
      this.spillAppending = batch;
      try {
        await mkdir(this.opts.dataDir, { recursive: true });
        await appendFile(this.spillFile, toLines(batch));
        this.counts.spilled += batch.length;
      } catch (err) {
        this.counts.dropped += batch.length;
        this.opts.log.error({ err: (err as Error).message, rows: batch.length, file: this.spillFile }, `${this.opts.name}: could not write the spill file; rows lost`);
      } finally {
        this.spillAppending = [];
      }
    });
  }

  private async drainSpill(): Promise<void> {
    do await this.spillChain;
    while (this.spillScheduled || this.spillPending.length > 0);
  }
}

function toLines(rows: unknown[]): string {
  let out = '';
  for (const r of rows) out += JSON.stringify(r) + '\n';
  return out;
}
