/**
 * Importers: how a plugin carries another gateway's database into its own tables
 * (`sluice import litellm --from postgres://…`). The kernel opens the source read-only, runs every
 * enabled plugin's importers for that source in `after` order, and prints what they report. A
 * plugin writes through its own `ctx.database` (the importer closes over its setup context), so
 * the kernel knows no table of anyone's. In-process (first-party) plugins only.
 *
 * An importer must be idempotent (upserts keyed on the source's ids, compared before writing, so a
 * second run reports `unchanged`), tolerant (select only the columns `columns()` says exist), write
 * nothing when `options.dryRun` is set, and stream large tables in batches (never load one whole).
 */

/** The source database, inside one READ ONLY transaction (the kernel never writes to it). */
export interface ImportSource {
  /** One SQL statement with `$1…` placeholders. Timestamps come back as `Date` (UTC), bigints as strings. */
  query<Row extends Record<string, unknown> = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<Row[]>;
  /** Columns of a table (exact, case-sensitive name, as in `information_schema`); empty when the table is absent. */
  columns(table: string): Promise<ReadonlySet<string>>;
}

export interface ImportOptions {
  /** Report what would be written; write nothing. */
  readonly dryRun: boolean;
  /** Only rows of time-stamped tables (spend logs, audit log) from this instant on. */
  readonly since?: Date;
  /** The key the source encrypted its secrets with (LiteLLM: `LITELLM_SALT_KEY`, else its master key). */
  readonly saltKey?: string;
  /**
   * `--follow`: this importer's cursor from the previous pass (what `run` returned), absent on the
   * first pass. A pass then reads only rows changed since (keys by `updated_at`, logs by time and id).
   */
  readonly cursor?: string;
}

/** Counts for one target table (or source table, where one feeds several). Every method adds `n` (default 1). */
export interface ImportTableReport {
  read(n?: number): void;
  inserted(n?: number): void;
  updated(n?: number): void;
  unchanged(n?: number): void;
  /** Rows removed because the source deleted them (a key revoked in LiteLLM while `--follow` runs). */
  deleted(n?: number): void;
  /** Rows not imported, with why (`no token`, `unknown team`…). */
  skipped(reason: string, n?: number): void;
  /** A source field Sluice has nowhere to keep, for `n` rows that had it set. */
  notCarried(field: string, n?: number): void;
}

export interface ImportReporter {
  /** The counts of `table` (created on first use; the same object after). */
  table(name: string): ImportTableReport;
  /** A schema feature of the source found or not (`object_permission_id: yes`, `LiteLLM_ProjectTable: absent`). */
  feature(name: string, found: boolean | string): void;
  /** A line for the operator (e.g. "MCP servers: carried, inactive until the MCP gateway plugin is enabled"). */
  note(message: string): void;
}

export interface ImportInput {
  readonly source: ImportSource;
  readonly options: ImportOptions;
  readonly report: ImportReporter;
  /** Aborted by the operator (SIGINT): finish the batch in hand and return. */
  readonly signal: AbortSignal;
}

/** What a pass leaves for the next one. */
export interface ImportOutcome {
  /** Opaque to the kernel; handed back as `options.cursor` on the next `--follow` pass. */
  cursor?: string;
}

/** `PluginInstance.importers`: one per entity a plugin owns (`tenancy`, `spend-logs`, `models`…). */
export interface Importer {
  source: 'litellm';
  /** Unique among the gateway's importers; other importers name it in `after`. */
  entity: string;
  /** Entities that must be imported first (spend logs after keys); absent ones are ignored. */
  after?: readonly string[];
  run(input: ImportInput): Promise<ImportOutcome | void>;
}
