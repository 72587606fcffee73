/** Newline-delimited JSON (Cohere's v1 stream): the complete lines of each network read. */
export async function* readNdjsonLines(body: AsyncIterable<Uint8Array>): AsyncGenerator<string[]> {
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const bytes of body) {
    buffer += decoder.decode(bytes, { stream: true });
    const lines: string[] = [];
    let start = 0;
    let end: number;
    while ((end = buffer.indexOf('\n', start)) !== -1) {
      const line = buffer.slice(start, end).trim();
      if (line) lines.push(line);
      start = end + 1;
    }
    if (start > 0) buffer = buffer.slice(start);
    if (lines.length > 0) yield lines;
  }
  const last = (buffer + decoder.decode()).trim();
  if (last) yield [last];
}
