/**
 * A call's StandardLoggingPayload → a LangSmith run, LiteLLM's way (litellm/integrations/langsmith.py
 * `_prepare_log_data`): `run_type: "llm"`, the payload as `inputs`, the response as `outputs`,
 * the request's metadata choosing the project (`project_name`), the run name (`run_name`) and the
 * run's place in a trace (`id`/`run_id`, `trace_id`, `parent_run_id`, `session_id`,
 * `dotted_order`), request tags as tags, the error on failures. Pure: no I/O.
 */
import { randomUUID } from 'node:crypto';
import type { StandardLoggingPayload } from '@sluice/plugin-sdk';

export interface LangsmithRun {
  id: string;
  name: string;
  run_type: 'llm';
  inputs: Record<string, unknown>;
  outputs: unknown;
  session_name: string;
  start_time: string;
  end_time: string;
  tags: string[];
  extra: { metadata: Record<string, unknown> };
  trace_id: string;
  dotted_order: string;
  error?: string;
  parent_run_id?: string;
  session_id?: string;
}

export interface RunDefaults {
  /** LANGSMITH_PROJECT (or the team's langsmith_project). */
  project: string;
  /** LANGSMITH_DEFAULT_RUN_NAME. */
  runName: string;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const iso = (epochSeconds: number) => new Date(Math.round(epochSeconds * 1000)).toISOString();

/** LangSmith's dotted order: the start time as `YYYYMMDDTHHMMSSffffffZ` followed by the run id. */
export function dottedOrder(startEpochSeconds: number, runId: string): string {
  const d = new Date(Math.floor(startEpochSeconds * 1000));
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  const micros = Math.floor(((startEpochSeconds * 1e6) % 1e6) + 1e6) % 1e6;
  return `${d.getUTCFullYear()}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}T${pad(d.getUTCHours())}${pad(d.getUTCMinutes())}${pad(d.getUTCSeconds())}${pad(micros, 6)}Z${runId}`;
}

export function langsmithRun(payload: StandardLoggingPayload, defaults: RunDefaults): LangsmithRun {
  const metadata = payload.metadata.requester_metadata ?? {};
  const id = str(metadata.id) ?? str(metadata.run_id) ?? randomUUID();
  const run: LangsmithRun = {
    id,
    name: str(metadata.run_name) ?? defaults.runName,
    run_type: 'llm',
    inputs: payload as unknown as Record<string, unknown>,
    outputs: payload.response,
    session_name: str(metadata.project_name) ?? defaults.project,
    start_time: iso(payload.startTime),
    end_time: iso(payload.endTime),
    tags: [...payload.request_tags],
    extra: { metadata: { ...payload.metadata } },
    // LiteLLM: a run with no trace of its own is the root of its trace.
    trace_id: str(metadata.trace_id) ?? id,
    dotted_order: str(metadata.dotted_order) ?? dottedOrder(payload.startTime, id),
  };
  if (payload.status === 'failure' && payload.error_str) run.error = payload.error_str;
  const parent = str(metadata.parent_run_id);
  if (parent) run.parent_run_id = parent;
  const session = str(metadata.session_id);
  if (session) run.session_id = session;
  return run;
}
