/** Ollama's NDJSON is read line by line wherever the network cuts it, batched per read. */
import { describe, expect, it } from 'vitest';
import { readNdjson } from '../src/ndjson.js';

async function batches(reads: string[]): Promise<unknown[][]> {
  async function* body() {
    for (const r of reads) yield new TextEncoder().encode(r);
  }
  const out: unknown[][] = [];
  for await (const batch of readNdjson(body())) out.push(batch);
  return out;
}

describe('readNdjson', () => {
  it('batches the complete lines of each read and carries a cut line over', async () => {
    expect(await batches(['{"a":1}\n{"b"', ':2}\n{"c":3}\n\n'])).toEqual([[{ a: 1 }], [{ b: 2 }, { c: 3 }]]);
  });

  it('keeps a multi-byte character cut between reads whole, and reads a last line without newline', async () => {
    const bytes = new TextEncoder().encode('{"t":"olá"}\n{"u":"é"}');
    async function* body() {
      yield bytes.slice(0, 9); // inside "á"
      yield bytes.slice(9);
    }
    const out: unknown[][] = [];
    for await (const batch of readNdjson(body())) out.push(batch);
    expect(out).toEqual([[{ t: 'olá' }], [{ u: 'é' }]]);
  });

  it('throws on a line that is not JSON', async () => {
    await expect(batches(['{"a":1}\nnot json\n'])).rejects.toThrow(SyntaxError);
  });
});
