/**
 * Azure opens a stream with an event that is not an OpenAI chunk: `{"choices":[],"created":0,
 * "id":"","model":"","object":"","prompt_filter_results":[…]}`, the content filter's verdict on the
 * prompt. OpenAI clients that read `choices[0]` trip on it and LiteLLM drops it; so does Sluice.
 * Only the head of the stream is inspected: once a real chunk has passed, bytes flow through as
 * they came, so the relay keeps its zero-copy path.
 */
const EVENT_END = Buffer.from('\n\n');
const PROMPT_FILTER_KEY = Buffer.from('"prompt_filter_results"');
const CR = 13;
/** A head this long without one complete event is not Azure's filter event: stop holding it. */
const MAX_HEAD_BYTES = 64 * 1024;

export async function* withoutPromptFilterEvents(body: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  let head: Buffer | undefined = Buffer.alloc(0);
  for await (const bytes of body) {
    if (head === undefined) {
      yield bytes;
      continue;
    }
    const chunk = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    head = head.length === 0 ? chunk : Buffer.concat([head, chunk]);
    // `\r\n` line ends would hide the event boundary; such a stream is passed on unfiltered.
    if (head.includes(CR) || head.length > MAX_HEAD_BYTES) {
      yield head;
      head = undefined;
      continue;
    }
    let start = 0;
    let end: number;
    while ((end = head.indexOf(EVENT_END, start)) !== -1) {
      if (!isPromptFilterEvent(head.subarray(start, end))) break;
      start = end + EVENT_END.length;
    }
    if (end !== -1) {
      // A real event: everything from here on is the upstream's own bytes.
      yield head.subarray(start);
      head = undefined;
    } else {
      head = head.subarray(start);
    }
  }
  if (head && head.length > 0) yield head;
}

function isPromptFilterEvent(event: Buffer): boolean {
  if (!event.includes(PROMPT_FILTER_KEY)) return false;
  const text = event.toString('utf8');
  const data = text.startsWith('data:') ? text.slice(5).trim() : undefined;
  if (!data) return false;
  try {
    const chunk = JSON.parse(data) as { choices?: unknown; usage?: unknown };
    return Array.isArray(chunk.choices) && chunk.choices.length === 0 && chunk.usage == null;
  } catch {
    return false;
  }
}
