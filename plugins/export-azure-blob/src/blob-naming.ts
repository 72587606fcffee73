/**
 * Where one StandardLoggingPayload is written: `<YYYY-MM-DD>/<id>.json`, LiteLLM's layout for the
 * azure_storage logger (a directory per day, a file per call named by its call id).
 *
 * LiteLLM takes the day from the clock at upload time; here it is the call's own start time (UTC),
 * so the name depends only on the payload: a batch sent twice (an acknowledgement lost, a replay
 * from the spill file after a restart) overwrites the same blobs instead of duplicating them, and a
 * call that crossed midnight lands in one place whichever attempt succeeds.
 */
export interface NamedPayload {
  id?: unknown;
  startTime?: unknown;
}

/** Call ids are the gateway's request ids, which a client can set: keep them a single, safe path segment. */
function safeSegment(id: string): string {
  const cleaned = id.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^\.+/, '_');
  return cleaned.slice(0, 200) || '_';
}

function utcDay(epochSeconds: number): string {
  return new Date(epochSeconds * 1000).toISOString().slice(0, 10);
}

/** The blob name of a payload; undefined when it has no id (nothing deterministic to name it by). */
export function blobName(payload: NamedPayload): string | undefined {
  if (typeof payload.id !== 'string' || payload.id === '') return undefined;
  const start = typeof payload.startTime === 'number' && Number.isFinite(payload.startTime) ? payload.startTime : 0;
  return `${utcDay(start)}/${safeSegment(payload.id)}.json`;
}
