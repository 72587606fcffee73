/**
 * Chat completion chunks → the Responses API's typed stream events, in OpenAI's order:
 * `response.created`, `response.in_progress`, then per output item `response.output_item.added`,
 * (text) `response.content_part.added`, `response.output_text.delta`…, `response.output_text.done`,
 * `response.content_part.done`, (tool call) `response.function_call_arguments.delta`…/`.done`,
 * `response.output_item.done`; finally `response.completed` (`response.incomplete` when the token
 * limit cut it) with usage, or `error` and
 * `response.failed` when the upstream fails mid-stream. Every event has its `sequence_number`.
 */
import type { JsonObject, Usage } from '@sluice/plugin-sdk';
import { finishResponse, functionCallItem, itemId, messageItem, outputText, usageOfChat } from './response-object.js';

const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

interface TextItem {
  kind: 'text';
  id: string;
  index: number;
  text: string;
  done: boolean;
}
interface CallItem {
  kind: 'call';
  id: string;
  index: number;
  callId: string;
  name: string;
  args: string;
  done: boolean;
}

export class ChatStreamToEvents {
  private sequence = 0;
  private readonly items: (TextItem | CallItem)[] = [];
  private openText: TextItem | undefined;
  /** Chat's tool call index → the output item it streams into. */
  private readonly calls = new Map<number, CallItem>();
  private finishReason: string | undefined;
  usage: Usage | undefined;
  /** The final response (after `finish`), for the store. */
  final: JsonObject | undefined;

  constructor(private readonly skeleton: JsonObject) {}

  start(): string {
    return this.event('response.created', { response: this.skeleton }) + this.event('response.in_progress', { response: this.skeleton });
  }

  chunk(chunk: JsonObject): string {
    let out = '';
    const usage = usageOfChat(chunk.usage);
    if (usage) this.usage = usage;
    const choice = Array.isArray(chunk.choices) && isObject(chunk.choices[0]) ? chunk.choices[0] : undefined;
    if (!choice) return out;
    if (typeof choice.finish_reason === 'string') this.finishReason = choice.finish_reason;
    const delta = isObject(choice.delta) ? choice.delta : {};
    if (typeof delta.content === 'string' && delta.content.length > 0) out += this.text(delta.content);
    if (Array.isArray(delta.tool_calls)) for (const call of delta.tool_calls) if (isObject(call)) out += this.toolCall(call);
    return out;
  }

  /** Closes every open item and completes the response. */
  finish(): string {
    let out = '';
    for (const item of this.items) out += this.close(item);
    this.final = finishResponse(this.skeleton, this.items.map((i) => this.itemOf(i, 'completed')), this.finishReason, this.usage);
    // A length cut ends as OpenAI ends it: `response.incomplete`, with incomplete_details.
    return out + this.event(this.final.status === 'incomplete' ? 'response.incomplete' : 'response.completed', { response: this.final });
  }

  /** The upstream failed after the stream began: OpenAI's `error` event, then `response.failed`. */
  fail(message: string, code = 'server_error'): string {
    const failed = { ...this.skeleton, status: 'failed', error: { code, message }, output: this.items.map((i) => this.itemOf(i, 'completed')) };
    return this.event('error', { code, message, param: null }) + this.event('response.failed', { response: failed });
  }

  private text(delta: string): string {
    let out = '';
    let item = this.openText;
    if (!item) {
      item = { kind: 'text', id: itemId('msg'), index: this.items.length, text: '', done: false };
      this.items.push(item);
      this.openText = item;
      out += this.event('response.output_item.added', { output_index: item.index, item: messageItem(item.id, '', 'in_progress') });
      out += this.event('response.content_part.added', { item_id: item.id, output_index: item.index, content_index: 0, part: outputText('') });
    }
    item.text += delta;
    return out + this.event('response.output_text.delta', { item_id: item.id, output_index: item.index, content_index: 0, delta, logprobs: [] });
  }

  private toolCall(call: JsonObject): string {
    let out = '';
    const index = typeof call.index === 'number' ? call.index : this.calls.size;
    const fn = isObject(call.function) ? call.function : {};
    let item = this.calls.get(index);
    if (!item) {
      // Text said before the calls is finished first, as OpenAI finishes one item before the next.
      if (this.openText) out += this.close(this.openText);
      this.openText = undefined;
      item = { kind: 'call', id: itemId('fc'), index: this.items.length, callId: String(call.id ?? ''), name: String(fn.name ?? ''), args: '', done: false };
      this.items.push(item);
      this.calls.set(index, item);
      out += this.event('response.output_item.added', { output_index: item.index, item: functionCallItem(item.id, item.callId, item.name, '', 'in_progress') });
    }
    const piece = typeof fn.arguments === 'string' ? fn.arguments : '';
    if (piece.length > 0) {
      item.args += piece;
      out += this.event('response.function_call_arguments.delta', { item_id: item.id, output_index: item.index, delta: piece });
    }
    return out;
  }

  private close(item: TextItem | CallItem): string {
    if (item.done) return '';
    item.done = true;
    let out = '';
    if (item.kind === 'text') {
      out += this.event('response.output_text.done', { item_id: item.id, output_index: item.index, content_index: 0, text: item.text, logprobs: [] });
      out += this.event('response.content_part.done', { item_id: item.id, output_index: item.index, content_index: 0, part: outputText(item.text) });
    } else {
      out += this.event('response.function_call_arguments.done', { item_id: item.id, output_index: item.index, name: item.name, arguments: item.args });
    }
    return out + this.event('response.output_item.done', { output_index: item.index, item: this.itemOf(item, 'completed') });
  }

  private itemOf(item: TextItem | CallItem, status: 'completed'): JsonObject {
    return item.kind === 'text' ? messageItem(item.id, item.text, status) : functionCallItem(item.id, item.callId, item.name, item.args, status);
  }

  private event(type: string, fields: JsonObject): string {
    return sseEvent(type, { type, sequence_number: this.sequence++, ...fields });
  }
}

/** One server-sent event as OpenAI writes Responses events: `event: <type>` then `data: <json>`. */
export function sseEvent(type: string, data: JsonObject): string {
  return `event: ${type}\ndata: ${JSON.stringify(data)}\n\n`;
}
