/**
 * A Responses API stream from a deployment that serves it natively: relayed as the upstream's own
 * bytes, while its lifecycle events are read on the side for the response id (`response.created`)
 * and the final response with its usage (`response.completed` / `.incomplete` / `.failed`).
 */
import { readSse, type JsonObject, type ProviderResponse } from '@sluice/plugin-sdk';

const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);
const FINAL_EVENTS = ['response.completed', 'response.incomplete', 'response.failed'];

export class NativeStreamTap {
  /** The id the upstream gave the response. */
  id: string | undefined;
  /** The response of the stream's last lifecycle event. */
  final: JsonObject | undefined;
  /** The upstream's bytes, unchanged. */
  async *relay(response: ProviderResponse): AsyncGenerator<Uint8Array> {
    if (response.kind === 'json') return;
    if (response.kind === 'stream') {
      // An adapter that parsed the events already: written back in OpenAI's form.
      const encoder = new TextEncoder();
      for await (const batch of response.batches) {
        let text = '';
        for (const e of batch) {
          const type = this.inspect(e.data);
          text += type ? `event: ${type}\ndata: ${e.data}\n\n` : `data: ${e.data}\n\n`;
        }
        yield encoder.encode(text);
      }
      return;
    }
    const pending: Uint8Array[] = [];
    const tap = async function* (body: AsyncIterable<Uint8Array>) {
      for await (const bytes of body) {
        pending.push(bytes);
        yield bytes;
      }
    };
    for await (const batch of readSse(tap(response.body))) {
      for (const message of batch) this.inspect(message.data, message.event);
      while (pending.length > 0) yield pending.shift()!;
    }
    while (pending.length > 0) yield pending.shift()!;
  }

  /** Reads a lifecycle event; text deltas are not parsed (the hot path of a long answer). */
  private inspect(data: string, event?: string): string | undefined {
    const lifecycle = event ? event.startsWith('response.') && !event.includes('.', 'response.'.length) : data.includes('"response"');
    if (!lifecycle && event) return event;
    let parsed: unknown;
    try {
      parsed = JSON.parse(data);
    } catch {
      return event;
    }
    if (!isObject(parsed)) return event;
    const type = typeof parsed.type === 'string' ? parsed.type : event;
    if (isObject(parsed.response)) {
      if (type === 'response.created' && typeof parsed.response.id === 'string') this.id = parsed.response.id;
      if (type && FINAL_EVENTS.includes(type)) this.final = parsed.response;
    }
    return type;
  }
}
