/**
 * OpenAI `chat.completion.chunk`s → Anthropic stream events, as LiteLLM's AnthropicStreamWrapper
 * emits them:
 *
 *   first chunk          → message_start (empty content, zero usage incl. cache fields), ping
 *   delta.reasoning_content → a `thinking` block, thinking_delta
 *   delta.content        → a `text` block, text_delta
 *   delta.tool_calls     → a `tool_use` block per call (opened by its id/name), input_json_delta
 *   a change of kind     → content_block_stop of the open block, content_block_start of the next
 *   finish_reason, usage → held until the upstream ends (usage comes after the finish chunk)
 *   end                  → content_block_stop, message_delta {stop_reason, usage}, message_stop
 */
import type { JsonObject, JsonValue, Usage } from '@sluice/plugin-sdk';
import { messageIdOf, stopReasonOf, toolUseIdOf } from './from-chat-completion.js';
import { sseEvent } from './sse-events.js';
import { originalToolName, type ToolNameMap } from './tool-names.js';
import { anthropicUsageOf, chatSpendUsage } from './usage-mapping.js';
import { isObject } from './validate-request.js';

type BlockKind = 'text' | 'thinking' | 'tool_use';

export class ChatToMessagesStream {
  /** The Anthropic message id the client got (set with message_start). */
  id = '';
  private started = false;
  private block: { kind: BlockKind; index: number; toolIndex: number } | undefined;
  private nextIndex = 0;
  private finishReason: JsonValue | undefined;
  private usage: JsonValue | undefined;

  constructor(
    private readonly model: string,
    private readonly toolNames: ToolNameMap,
  ) {}

  /** The usage the upstream reported, in spend (OpenAI) names; zero when it reported none. */
  spendUsage(): Usage {
    return chatSpendUsage(this.usage);
  }

  /** The events one chunk makes, as SSE text ('' when it makes none). */
  push(chunk: JsonObject): string {
    let out = this.started ? '' : this.start(chunk.id);
    if (isObject(chunk.usage)) this.usage = chunk.usage;
    const choice = Array.isArray(chunk.choices) ? chunk.choices[0] : undefined;
    if (!isObject(choice)) return out;
    const delta = isObject(choice.delta) ? choice.delta : undefined;
    if (delta) {
      if (typeof delta.reasoning_content === 'string' && delta.reasoning_content) {
        out += this.open('thinking', { type: 'thinking', thinking: '', signature: '' });
        out += this.delta({ type: 'thinking_delta', thinking: delta.reasoning_content });
      }
      if (typeof delta.content === 'string' && delta.content) {
        out += this.open('text', { type: 'text', text: '' });
        out += this.delta({ type: 'text_delta', text: delta.content });
      }
      if (Array.isArray(delta.tool_calls)) for (const call of delta.tool_calls) if (isObject(call)) out += this.toolCall(call);
    }
    if (choice.finish_reason !== undefined && choice.finish_reason !== null) this.finishReason = choice.finish_reason;
    return out;
  }

  /** The closing events, once the upstream ended. */
  finish(): string {
    let out = this.started ? '' : this.start(undefined);
    out += this.close();
    const usage = anthropicUsageOf(this.usage);
    out += sseEvent({ type: 'message_delta', delta: { stop_reason: stopReasonOf(this.finishReason), stop_sequence: null }, usage: { ...usage } });
    out += sseEvent({ type: 'message_stop' });
    return out;
  }

  private start(chatId: JsonValue | undefined): string {
    this.started = true;
    this.id = messageIdOf(chatId);
    const message = {
      id: this.id,
      type: 'message',
      role: 'assistant',
      content: [],
      model: this.model,
      stop_reason: null,
      stop_sequence: null,
      // Zero cache fields tell clients (Claude Code) that prompt caching is reported; the real counts come in message_delta.
      usage: { input_tokens: 0, output_tokens: 0, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 },
    };
    return sseEvent({ type: 'message_start', message }) + sseEvent({ type: 'ping' });
  }

  private toolCall(call: JsonObject): string {
    const fn = isObject(call.function) ? call.function : {};
    const toolIndex = typeof call.index === 'number' ? call.index : 0;
    let out = '';
    // A call starts with its id or name; a continuation carries only arguments for the open one.
    const opens = (typeof call.id === 'string' && call.id) || (typeof fn.name === 'string' && fn.name);
    if (opens || this.block?.kind !== 'tool_use' || this.block.toolIndex !== toolIndex) {
      const name = originalToolName(this.toolNames, typeof fn.name === 'string' ? fn.name : '');
      out += this.close();
      out += this.begin('tool_use', { type: 'tool_use', id: toolUseIdOf(call.id), name, input: {} }, toolIndex);
    }
    if (typeof fn.arguments === 'string' && fn.arguments) out += this.delta({ type: 'input_json_delta', partial_json: fn.arguments });
    return out;
  }

  /** Opens a block of `kind` unless one is open already. */
  private open(kind: BlockKind, contentBlock: JsonObject): string {
    if (this.block?.kind === kind) return '';
    return this.close() + this.begin(kind, contentBlock, -1);
  }

  private begin(kind: BlockKind, contentBlock: JsonObject, toolIndex: number): string {
    const index = this.nextIndex++;
    this.block = { kind, index, toolIndex };
    return sseEvent({ type: 'content_block_start', index, content_block: contentBlock });
  }

  private delta(delta: JsonObject): string {
    return sseEvent({ type: 'content_block_delta', index: this.block!.index, delta });
  }

  private close(): string {
    if (!this.block) return '';
    const { index } = this.block;
    this.block = undefined;
    return sseEvent({ type: 'content_block_stop', index });
  }
}
