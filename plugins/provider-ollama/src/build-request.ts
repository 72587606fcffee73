/**
 * The three request bodies Sluice sends Ollama: /api/chat for `ollama_chat/` chat, /api/generate
 * for `ollama/` chat (a prompt rendered from the messages, as LiteLLM does) and for /completions.
 */
import type { AbortSignalLike, JsonObject } from '@sluice/plugin-sdk';
import { toOllamaMessages, toOllamaTools } from './chat-messages.js';
import type { ImageLoader } from './images.js';
import { OllamaErrors } from './ollama-errors.js';
import type { OllamaChatRequest, OllamaGenerateRequest, OllamaMessage } from './ollama-wire.js';
import { commonFields, type DeploymentDefaults } from './request-options.js';

export async function toChatRequest(body: JsonObject, stream: boolean, defaults: DeploymentDefaults, loadImage: ImageLoader, signal: AbortSignalLike): Promise<OllamaChatRequest> {
  const common = commonFields(body, defaults);
  const out: OllamaChatRequest = { model: String(body.model), messages: await toOllamaMessages(body.messages, loadImage, signal), stream, ...common };
  const tools = toOllamaTools(body.tools, body.tool_choice);
  if (tools) out.tools = tools;
  return out;
}

/** `ollama/` chat: system messages go to `system`, the rest becomes the prompt. */
export async function toGenerateFromChat(body: JsonObject, stream: boolean, defaults: DeploymentDefaults, loadImage: ImageLoader, signal: AbortSignalLike): Promise<OllamaGenerateRequest> {
  if (Array.isArray(body.tools) && body.tools.length > 0 && body.tool_choice !== 'none' && !defaults.dropParams) {
    throw OllamaErrors.UNSUPPORTED_PARAM({ param: 'tools', reason: 'ollama/ models answer on /api/generate, which has no tools; use ollama_chat/<model>' }, { param: 'tools' });
  }
  const common = commonFields(body, defaults);
  const messages = await toOllamaMessages(body.messages, loadImage, signal);
  const system = messages.filter((m) => m.role === 'system').map((m) => m.content);
  const turns = messages.filter((m) => m.role !== 'system');
  const out: OllamaGenerateRequest = { model: String(body.model), prompt: renderPrompt(turns), stream, ...common };
  if (system.length > 0) out.system = system.join('\n\n');
  const images = turns.flatMap((m) => m.images ?? []);
  if (images.length > 0) out.images = images;
  return out;
}

/**
 * A lone user message is the prompt as it is, so the model's own template applies to it cleanly; a
 * conversation is rendered as a transcript in LiteLLM's `### Role:` layout, ending on the
 * assistant's turn.
 */
export function renderPrompt(turns: OllamaMessage[]): string {
  if (turns.length === 1 && turns[0]!.role === 'user') return turns[0]!.content;
  let prompt = '';
  for (const m of turns) {
    if (m.role === 'assistant') {
      const calls = m.tool_calls?.map((c) => `${c.function.name}(${JSON.stringify(c.function.arguments)})`) ?? [];
      const text = [m.content, ...calls.map((c) => `Tool call: ${c}`)].filter(Boolean).join('\n');
      prompt += `### Assistant:\n${text}\n\n`;
    } else if (m.role === 'tool') {
      prompt += `### Tool${m.tool_name ? ` (${m.tool_name})` : ''}:\n${m.content}\n\n`;
    } else {
      prompt += `### User:\n${m.content}\n\n`;
    }
  }
  return prompt + '### Assistant:\n';
}

/** /completions: the prompt goes as it is (a single prompt: Ollama answers one per request). */
export function toGenerateFromCompletion(body: JsonObject, stream: boolean, defaults: DeploymentDefaults): OllamaGenerateRequest {
  const common = commonFields(body, defaults);
  let prompt = body.prompt;
  if (Array.isArray(prompt) && prompt.length === 1) prompt = prompt[0]!;
  if (typeof prompt !== 'string') {
    throw OllamaErrors.UNSUPPORTED_INPUT({ param: 'prompt', reason: 'one text prompt per request (not several prompts, not token ids)' }, { param: 'prompt' });
  }
  const out: OllamaGenerateRequest = { model: String(body.model), prompt, stream, ...common };
  if (typeof body.suffix === 'string') out.suffix = body.suffix;
  return out;
}
