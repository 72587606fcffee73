/**
 * `sluice import litellm --from postgres://…`: carries a LiteLLM proxy database into Sluice's
 * tables. The kernel owns only the mechanics: it opens the source read-only (one READ ONLY,
 * REPEATABLE READ transaction per pass, on a session whose default is read-only too), builds the
 * gateway from the config without listening (so migrations are applied and every enabled plugin is
 * set up with its own context), runs the plugins' `litellm` importers in `after` order and prints
 * what they report. Which tables exist and how rows map is each plugin's business (importer.ts).
 *
 * `--follow` repeats a pass every `--interval` seconds, each importer reading only what changed
 * since its cursor, until SIGINT/SIGTERM: the pass in hand finishes, then the command exits 0.
 */
import pg from 'pg';
import type { ImportOptions, ImportReporter, ImportSource, ImportTableReport, Importer } from '@sluice/plugin-sdk';
import { DEFAULT_CONFIG } from '../paths.js';
import { ConfigError } from '../config/config-error.js';
import { createGateway, type Gateway } from '../gateway.js';
import { stringOption, type ParsedArgs } from './parse-args.js';

export const IMPORT_USAGE = `Usage: sluice import litellm --from postgres://USER@HOST/DB [options]

Reads a LiteLLM proxy database (read-only) into Sluice's database (the config's storage).
  --from URL          the LiteLLM database (Prisma's DATABASE_URL; ?schema= is honoured)
  --config FILE       Sluice's config (default config/default.yaml)
  --salt-key KEY      LiteLLM's LITELLM_SALT_KEY (default: $LITELLM_SALT_KEY, else --master-key)
  --master-key KEY    LiteLLM's master key, when it ran without a salt key (default: $LITELLM_MASTER_KEY)
  --dry-run           report what would be imported and every field that cannot be carried; write nothing
  --since DATE        spend logs and audit log from DATE (ISO 8601) on
  --follow            keep importing changes every --interval seconds (default 30) until Ctrl-C
`;

/** Exit codes: 0 done, 1 an importer failed, 2 bad usage. */
export async function importCommand(args: ParsedArgs): Promise<number> {
  const [, sourceName] = args.positionals;
  if (sourceName !== 'litellm') return usage(sourceName === undefined ? 'name the source: sluice import litellm' : `unknown source ${JSON.stringify(sourceName)} (supported: litellm)`);
  const from = stringOption(args, 'from');
  if (!from || !/^postgres(ql)?:\/\//.test(from)) return usage('--from postgres://… (the LiteLLM database) is required');
  const sinceRaw = stringOption(args, 'since');
  const since = sinceRaw === undefined ? undefined : new Date(sinceRaw);
  if (since && Number.isNaN(since.getTime())) return usage(`--since ${JSON.stringify(sinceRaw)} is not a date (use ISO 8601, e.g. 2026-01-31)`);
  const intervalRaw = stringOption(args, 'interval') ?? '30';
  const intervalS = Number(intervalRaw);
  if (!Number.isFinite(intervalS) || intervalS < 1 || intervalS > 86_400) return usage(`--interval ${JSON.stringify(intervalRaw)} must be seconds between 1 and 86400`);
  const saltKey = stringOption(args, 'salt_key') || process.env.LITELLM_SALT_KEY || stringOption(args, 'master_key') || process.env.LITELLM_MASTER_KEY || undefined;
  const dryRun = args.options.has('dry_run');
  const follow = args.options.has('follow');
  if (follow && dryRun) return usage('--follow and --dry-run do not go together');

  let source: SourceConnection;
  try {
    source = await openSource(from);
  } catch (err) {
    process.stderr.write(`sluice import: cannot read the LiteLLM database at ${redactUrl(from)}: ${(err as Error).message}\n`);
    return 1;
  }
  let gateway: Gateway | undefined;
  const abort = new AbortController();
  const stop = () => {
    if (!abort.signal.aborted) process.stderr.write('stopping after the current pass…\n');
    abort.abort();
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  try {
    // Logs go to stderr: stdout is the report.
    gateway = await createGateway({ configPath: stringOption(args, 'config') ?? DEFAULT_CONFIG, logLevel: 'warn', logDestination: process.stderr });
    const importers = orderImporters(gateway.importers.filter((i) => i.importer.source === 'litellm').map((i) => i.importer));
    if (importers.length === 0) {
      process.stderr.write('No enabled plugin imports from litellm (enable governance-tenancy, spend-logs, model-store, audit-log).\n');
      return 1;
    }
    const cursors = new Map<string, string>();
    let pass = 0;
    for (;;) {
      pass++;
      const report = new ConsoleReport();
      const failed = await runPass(source, importers, { dryRun, since, saltKey }, cursors, report, abort.signal);
      const heading = `LiteLLM import from ${redactUrl(from)}${dryRun ? ' — DRY RUN: nothing written, counts are what would be' : ''}${follow ? ` — pass ${pass}` : ''}`;
      process.stdout.write(report.render(heading, follow && pass > 1));
      if (failed) return 1;
      if (!follow || abort.signal.aborted) return 0;
      await sleep(intervalS * 1000, abort.signal);
      if (abort.signal.aborted) return 0;
    }
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    await gateway?.close();
    await source.close();
  }
}

function usage(message: string): number {
  process.stderr.write(`sluice import: ${message}\n\n${IMPORT_USAGE}`);
  return 2;
}

/** `after` order (a topological sort); ties keep load order. A cycle is a plugin bug: refused. */
export function orderImporters(importers: readonly Importer[]): Importer[] {
  const byEntity = new Map(importers.map((i) => [i.entity, i]));
  const out: Importer[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (i: Importer, path: string[]) => {
    const s = state.get(i.entity);
    if (s === 'done') return;
    if (s === 'visiting') throw new ConfigError('importers', 'after', `import order has a cycle: ${[...path, i.entity].join(' → ')}`);
    state.set(i.entity, 'visiting');
    for (const dep of i.after ?? []) {
      const d = byEntity.get(dep);
      if (d) visit(d, [...path, i.entity]);
    }
    state.set(i.entity, 'done');
    out.push(i);
  };
  for (const i of importers) visit(i, []);
  return out;
}

async function runPass(
  source: SourceConnection,
  importers: readonly Importer[],
  base: Omit<ImportOptions, 'cursor'>,
  cursors: Map<string, string>,
  report: ConsoleReport,
  signal: AbortSignal,
): Promise<boolean> {
  let failed = false;
  await source.begin();
  try {
    for (const importer of importers) {
      if (signal.aborted) break;
      const started = Date.now();
      try {
        const cursor = cursors.get(importer.entity);
        const outcome = await importer.run({ source, options: { ...base, ...(cursor !== undefined && { cursor }) }, report, signal });
        if (outcome?.cursor !== undefined) cursors.set(importer.entity, outcome.cursor);
        report.timing(importer.entity, Date.now() - started);
      } catch (err) {
        failed = true;
        report.failure(importer.entity, err as Error);
      }
    }
  } finally {
    await source.end();
  }
  return failed;
}

export interface SourceConnection extends ImportSource {
  begin(): Promise<void>;
  end(): Promise<void>;
  close(): Promise<void>;
}

/** Prisma's `timestamp(3)` (without time zone) holds UTC: read it as UTC, not as the local zone. */
const TIMESTAMP_OID = 1114;

/** The source database: one session, read-only by default, REPEATABLE READ READ ONLY transactions (exported for its test). */
export async function openSource(url: string): Promise<SourceConnection> {
  const parsed = new URL(url);
  // Prisma's `?schema=` is not libpq's: it becomes the search path.
  const schema = parsed.searchParams.get('schema');
  parsed.searchParams.delete('schema');
  const client = new pg.Client({
    connectionString: parsed.toString(),
    // Every transaction of this session is read-only unless it says otherwise, and ours never do.
    options: '-c default_transaction_read_only=on',
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
        oid === TIMESTAMP_OID ? (v: string) => new Date(`${v.replace(' ', 'T')}Z`) : pg.types.getTypeParser(oid, format ?? 'text')) as typeof pg.types.getTypeParser,
    },
  });
  // A connection lost mid-pass fails the query in hand; without a listener it would also crash the process.
  client.on('error', () => undefined);
  await client.connect();
  if (schema) await client.query(`SET search_path TO ${client.escapeIdentifier(schema)}`);
  const columnCache = new Map<string, ReadonlySet<string>>();
  return {
    async query<Row extends Record<string, unknown>>(sql: string, params: readonly unknown[] = []) {
      // node-postgres would send a Date in the process's local zone, which a `timestamp` (no zone) column ignores: UTC, as Prisma stores.
      return (await client.query(sql, params.map((p) => (p instanceof Date ? p.toISOString() : p)))).rows as Row[];
    },
    async columns(table) {
      let cols = columnCache.get(table);
      if (!cols) {
        const { rows } = await client.query<{ column_name: string }>(
          'SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1',
          [table],
        );
        cols = new Set(rows.map((r) => r.column_name));
        columnCache.set(table, cols);
      }
      return cols;
    },
    async begin() {
      columnCache.clear();
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    },
    async end() {
      await client.query('COMMIT');
    },
    close: () => client.end(),
  };
}

function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '<source>';
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

interface TableCounts {
  read: number;
  inserted: number;
  updated: number;
  unchanged: number;
  deleted: number;
  skipped: Map<string, number>;
  notCarried: Map<string, number>;
}

/** Collects what the importers report and prints it as a table. */
class ConsoleReport implements ImportReporter {
  private readonly tables = new Map<string, TableCounts>();
  private readonly handles = new Map<string, ImportTableReport>();
  private readonly features: string[] = [];
  private readonly notes: string[] = [];
  private readonly failures: string[] = [];
  private readonly timings: string[] = [];

  table(name: string): ImportTableReport {
    let handle = this.handles.get(name);
    if (handle) return handle;
    const c: TableCounts = { read: 0, inserted: 0, updated: 0, unchanged: 0, deleted: 0, skipped: new Map(), notCarried: new Map() };
    this.tables.set(name, c);
    const bump = (m: Map<string, number>, k: string, n: number) => m.set(k, (m.get(k) ?? 0) + n);
    handle = {
      read: (n = 1) => void (c.read += n),
      inserted: (n = 1) => void (c.inserted += n),
      updated: (n = 1) => void (c.updated += n),
      unchanged: (n = 1) => void (c.unchanged += n),
      deleted: (n = 1) => void (c.deleted += n),
      skipped: (reason, n = 1) => bump(c.skipped, reason, n),
      notCarried: (field, n = 1) => bump(c.notCarried, field, n),
    };
    this.handles.set(name, handle);
    return handle;
  }

  feature(name: string, found: boolean | string): void {
    this.features.push(`${name}: ${found === true ? 'yes' : found === false ? 'absent' : found}`);
  }

  note(message: string): void {
    this.notes.push(message);
  }

  timing(entity: string, ms: number): void {
    this.timings.push(`${entity} ${(ms / 1000).toFixed(1)}s`);
  }

  failure(entity: string, err: Error): void {
    this.failures.push(`${entity}: ${err.message}`);
  }

  /** `quiet`: a later --follow pass prints only tables that changed. */
  render(heading: string, quiet: boolean): string {
    const lines = [heading, ''];
    if (!quiet && this.features.length > 0) lines.push('Source schema:', ...this.features.map((f) => `  ${f}`), '');
    const rows = [...this.tables].filter(([, c]) => !quiet || c.inserted + c.updated + c.deleted > 0);
    if (rows.length > 0) {
      const width = Math.max(28, ...rows.map(([n]) => n.length + 2));
      const num = (n: number) => String(n).padStart(10);
      lines.push(`${'Table'.padEnd(width)}${['read', 'inserted', 'updated', 'unchanged', 'deleted', 'skipped'].map((h) => h.padStart(10)).join('')}`);
      for (const [name, c] of rows) {
        const skipped = [...c.skipped.values()].reduce((a, b) => a + b, 0);
        lines.push(`${name.padEnd(width)}${num(c.read)}${num(c.inserted)}${num(c.updated)}${num(c.unchanged)}${num(c.deleted)}${num(skipped)}`);
        for (const [reason, n] of c.skipped) lines.push(`    skipped ${n}: ${reason}`);
        if (c.notCarried.size > 0) lines.push(`    not carried: ${[...c.notCarried].map(([f, n]) => `${f} (${n})`).join(', ')}`);
      }
      lines.push('');
    } else if (quiet) {
      lines.push('no changes', '');
    }
    if (!quiet && this.notes.length > 0) lines.push('Notes:', ...this.notes.map((n) => `  - ${n}`), '');
    if (this.timings.length > 0) lines.push(`Time: ${this.timings.join(', ')}`, '');
    if (this.failures.length > 0) lines.push('FAILED:', ...this.failures.map((f) => `  ${f}`), '');
    return `${lines.join('\n')}\n`;
  }
}
