/** Newline-delimited JSON, Ollama's stream format: one object per line, batched per network read. */
export async function* readNdjson<T>(body: AsyncIterable<Uint8Array>): AsyncGenerator<T[]> {
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const bytes of body) {
    buffer += decoder.decode(bytes, { stream: true });
    const batch: T[] = [];
    let start = 0;
    let end: number;
    while ((end = buffer.indexOf('\n', start)) !== -1) {
      const line = buffer.slice(start, end).trim();
      if (line) batch.push(JSON.parse(line) as T); // a SyntaxError is reported as an unreadable upstream
      start = end + 1;
    }
    if (start > 0) buffer = buffer.slice(start);
    if (batch.length > 0) yield batch;
  }
  const last = (buffer + decoder.decode()).trim();
  if (last) yield [JSON.parse(last) as T];
}
