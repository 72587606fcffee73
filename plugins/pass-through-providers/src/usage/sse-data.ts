/**
 * The `data` of each server-sent event, or each line of a newline-delimited JSON stream, as the
 * bytes pass: only the unfinished tail is held, and an event longer than the bound is skipped
 * (it is still relayed; only its usage, if any, goes unread).
 */
const LF = 0x0a;

export class LineSplitter {
  private held: Uint8Array[] = [];
  private heldBytes = 0;
  private skipping = false;
  private readonly decoder = new TextDecoder();

  constructor(private readonly maxLineBytes: number) {}

  /** Complete lines in `chunk` (without their line break), in order. */
  *push(chunk: Uint8Array): Generator<string> {
    let start = 0;
    for (let i = chunk.indexOf(LF); i !== -1; i = chunk.indexOf(LF, start)) {
      const piece = chunk.subarray(start, i);
      start = i + 1;
      if (this.skipping) {
        this.skipping = false;
        this.held = [];
        this.heldBytes = 0;
        continue;
      }
      const line = this.heldBytes === 0 ? piece : concat([...this.held, piece], this.heldBytes + piece.length);
      this.held = [];
      this.heldBytes = 0;
      yield this.decoder.decode(line).replace(/\r$/, '');
    }
    const rest = chunk.subarray(start);
    if (rest.length === 0 || this.skipping) return;
    if (this.heldBytes + rest.length > this.maxLineBytes) {
      this.skipping = true;
      this.held = [];
      this.heldBytes = 0;
      return;
    }
    // Copied: the caller's chunk is relayed and may be reused.
    this.held.push(rest.slice());
    this.heldBytes += rest.length;
  }

  /** What is left after the last line break, once the stream is over. */
  *end(): Generator<string> {
    if (!this.skipping && this.heldBytes > 0) yield this.decoder.decode(concat(this.held, this.heldBytes)).replace(/\r$/, '');
    this.held = [];
    this.heldBytes = 0;
  }
}

/** The JSON texts of an SSE stream's `data:` fields (one per event, multi-line data joined). */
export class SseData {
  private data: string[] = [];
  constructor(private readonly lines: LineSplitter) {}

  *push(chunk: Uint8Array): Generator<string> {
    yield* this.take(this.lines.push(chunk));
  }

  *end(): Generator<string> {
    yield* this.take(this.lines.end());
    if (this.data.length > 0) yield this.data.join('\n');
    this.data = [];
  }

  private *take(lines: Iterable<string>): Generator<string> {
    for (const line of lines) {
      if (line === '') {
        if (this.data.length > 0) yield this.data.join('\n');
        this.data = [];
      } else if (line.startsWith('data:')) this.data.push(line.slice(line.startsWith('data: ') ? 6 : 5));
    }
  }
}

function concat(parts: Uint8Array[], length: number): Uint8Array {
  const out = new Uint8Array(length);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
