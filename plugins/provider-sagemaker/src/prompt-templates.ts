/**
 * How sagemaker/ turns chat messages into the one prompt string a text-generation endpoint reads,
 * in LiteLLM's order: a template given in litellm_params (`roles`, `initial_prompt_value`,
 * `final_prompt_value`, `bos_token`, `eos_token`), else the template of the model family the
 * endpoint (or `hf_model_name`) names, else the message contents joined by spaces. LiteLLM also
 * downloads other models' chat templates from the Hugging Face Hub; Sluice does not (see README).
 */
import type { JsonObject, JsonValue } from '@sluice/plugin-sdk';
import { LLAMA_GUARD_7B_CATEGORIES } from './llama-guard-categories.js';

export interface RoleTemplate {
  pre_message?: string;
  post_message?: string;
}

export interface CustomPrompt {
  roles: Readonly<Record<string, RoleTemplate>>;
  initial: string;
  final: string;
  bos: string;
  eos: string;
}

export interface PromptMessage {
  role: string;
  content: string;
}

/** The template litellm_params describe, when they describe one. */
export function customPromptOf(p: Readonly<Record<string, unknown>>): CustomPrompt | undefined {
  const keys = ['roles', 'initial_prompt_value', 'final_prompt_value', 'bos_token', 'eos_token'];
  if (!keys.some((k) => p[k] !== undefined && p[k] !== null && p[k] !== '')) return undefined;
  const roles: Record<string, RoleTemplate> = {};
  if (p.roles !== undefined) {
    if (!p.roles || typeof p.roles !== 'object' || Array.isArray(p.roles)) throw new Error('sagemaker: litellm_params.roles must map roles to {pre_message, post_message}');
    for (const [role, t] of Object.entries(p.roles as Record<string, unknown>)) {
      const o = (t ?? {}) as Record<string, unknown>;
      roles[role] = { pre_message: str(o.pre_message), post_message: str(o.post_message) };
    }
  }
  return { roles, initial: str(p.initial_prompt_value) ?? '', final: str(p.final_prompt_value) ?? '', bos: str(p.bos_token) ?? '', eos: str(p.eos_token) ?? '' };
}

/** LiteLLM's `custom_prompt`: bos, then each message wrapped in its role's pre/post text, eos after assistant turns. */
export function renderCustomPrompt(t: CustomPrompt, messages: readonly PromptMessage[]): string {
  let prompt = t.bos + t.initial;
  let bosOpen = true;
  for (const m of messages) {
    if ((m.role === 'system' || m.role === 'human') && !bosOpen) {
      prompt += t.bos;
      bosOpen = true;
    }
    const r = t.roles[m.role];
    prompt += (r?.pre_message ?? '') + m.content + (r?.post_message ?? '');
    if (m.role === 'assistant') {
      prompt += t.eos;
      bosOpen = false;
    }
  }
  return prompt + t.final;
}

const preset = (roles: Record<string, RoleTemplate>, extra: Partial<CustomPrompt> = {}): CustomPrompt => ({ roles, initial: '', final: '', bos: '', eos: '', ...extra });

const LLAMA_2_CHAT = preset(
  {
    system: { pre_message: '[INST] <<SYS>>\n', post_message: '\n<</SYS>>\n [/INST]\n' },
    user: { pre_message: '[INST] ', post_message: ' [/INST]\n' },
    assistant: { post_message: '\n' },
  },
  { bos: '<s>', eos: '</s>' },
);
const ALPACA = preset(
  {
    system: { pre_message: '### Instruction:\n', post_message: '\n\n' },
    user: { pre_message: '### Instruction:\n', post_message: '\n\n' },
    assistant: { pre_message: '### Response:\n', post_message: '\n\n' },
  },
  { bos: '<s>', eos: '</s>' },
);
const MPT_CHAT = preset({
  system: { pre_message: '<|im_start|>system', post_message: '<|im_end|>\n' },
  user: { pre_message: '<|im_start|>user', post_message: '<|im_end|>\n' },
  assistant: { pre_message: '<|im_start|>assistant', post_message: '<|im_end|>\n' },
});
const WIZARDCODER = preset({
  system: { post_message: '\n\n' },
  user: { pre_message: '### Instruction:\n', post_message: '\n\n' },
  assistant: { pre_message: '### Response:\n', post_message: '\n\n' },
});
const PHIND = preset({
  system: { pre_message: '### System Prompt\n', post_message: '\n\n' },
  user: { pre_message: '### User Message\n', post_message: '\n\n' },
  assistant: { pre_message: '### Assistant\n', post_message: '\n\n' },
});
const FALCON_CHAT = preset({ system: { pre_message: 'System: ' }, assistant: { pre_message: 'Falcon: ' }, user: { pre_message: 'User: ' } });
/** What Llama 3's Hugging Face chat template renders. */
const LLAMA_3_INSTRUCT = preset(
  {
    system: { pre_message: '<|start_header_id|>system<|end_header_id|>\n\n', post_message: '<|eot_id|>' },
    user: { pre_message: '<|start_header_id|>user<|end_header_id|>\n\n', post_message: '<|eot_id|>' },
    assistant: { pre_message: '<|start_header_id|>assistant<|end_header_id|>\n\n', post_message: '<|eot_id|>' },
  },
  { initial: '<|begin_of_text|>', final: '<|start_header_id|>assistant<|end_header_id|>\n\n' },
);

/** The prompt for `model` (the endpoint name, or `hf_model_name` when set). */
export function buildPrompt(model: string, hfModelName: string | undefined, custom: CustomPrompt | undefined, messages: readonly PromptMessage[]): string {
  if (custom) return renderCustomPrompt(custom, messages);
  let name = hfModelName;
  // LiteLLM's guess for JumpStart Llama 2 endpoints, which are named after the model.
  if (name === undefined && model.toLowerCase().includes('llama-2')) name = model.toLowerCase().includes('chat') ? 'meta-llama/Llama-2-7b-chat-hf' : 'meta-llama/Llama-2-7b';
  return familyPrompt((name ?? model).toLowerCase(), messages) ?? defaultPrompt(messages);
}

function familyPrompt(m: string, messages: readonly PromptMessage[]): string | undefined {
  if (m.includes('meta-llama/llama-2') && m.includes('chat')) return renderCustomPrompt(LLAMA_2_CHAT, messages);
  if ((m.includes('meta-llama/llama-3') || m.includes('meta-llama-3')) && m.includes('instruct')) return renderCustomPrompt(LLAMA_3_INSTRUCT, trimmed(messages));
  if (m.includes('tiiuae/falcon')) {
    if (m === 'tiiuae/falcon-180b-chat') return renderCustomPrompt(FALCON_CHAT, messages);
    if (m.includes('instruct')) return falconInstruct(messages);
    return undefined;
  }
  if (m.includes('mosaicml/mpt')) return m.includes('chat') ? renderCustomPrompt(MPT_CHAT, messages) : undefined;
  if (m.includes('codellama/codellama') || m.includes('togethercomputer/codellama')) return m.includes('instruct') ? renderCustomPrompt(LLAMA_2_CHAT, messages) : undefined;
  if (m.includes('wizardlm/wizardcoder')) return renderCustomPrompt(WIZARDCODER, messages);
  if (m.includes('phind/phind-codellama')) return renderCustomPrompt(PHIND, messages);
  if (m.includes('togethercomputer/llama-2') && (m.includes('instruct') || m.includes('chat'))) return renderCustomPrompt(LLAMA_2_CHAT, messages);
  if (['gryphe/mythomax-l2-13b', 'gryphe/mythomix-l2-13b', 'gryphe/mythologic-l2-13b'].includes(m)) return renderCustomPrompt(ALPACA, messages);
  // LiteLLM applies LlamaGuard 7B's template when hf_model_name is meta-llama/LlamaGuard-7b (its
  // llamaguard_moderations callback sets it); Sluice also recognises a LlamaGuard endpoint by name.
  if (m.trim() === 'meta-llama/llamaguard-7b' || /llama-?guard/.test(m)) return llamaGuardPrompt(messages);
  return undefined;
}

/** LiteLLM's default for any other model: the contents joined by spaces. */
export function defaultPrompt(messages: readonly PromptMessage[]): string {
  return messages.map((m) => m.content).join(' ');
}

function falconInstruct(messages: readonly PromptMessage[]): string {
  let prompt = '';
  for (const m of messages) {
    if (m.role === 'system') prompt += m.content;
    else prompt += `${m.role}:${m.content.replace(/\r\n/g, '\n').replace(/\n\n/g, '\n')}\n\n`;
  }
  return prompt;
}

function trimmed(messages: readonly PromptMessage[]): PromptMessage[] {
  return messages.map((m) => ({ role: m.role, content: m.content.trim() }));
}

/** Already a whole LlamaGuard task prompt (guardrail-llamaguard writes one around custom categories): sent as is. */
const LLAMA_GUARD_TASK = '[INST] Task: Check if there is unsafe content in';

/**
 * LlamaGuard 7B's chat template with its own categories, as LiteLLM renders it. Roles must
 * alternate user / assistant starting with the user; otherwise the template refuses and LiteLLM
 * falls back to the joined contents.
 */
function llamaGuardPrompt(messages: readonly PromptMessage[]): string {
  if (messages.length === 1 && messages[0]!.content.startsWith(LLAMA_GUARD_TASK)) return messages[0]!.content;
  if (messages.some((m, i) => (m.role === 'user') !== (i % 2 === 0))) return defaultPrompt(messages);
  const role = messages.length % 2 === 0 ? 'Agent' : 'User';
  let prompt = `[INST] Task: Check if there is unsafe content in '${role}' messages in conversations according our safety policy with the below categories.\n\n<BEGIN UNSAFE CONTENT CATEGORIES>\n${LLAMA_GUARD_7B_CATEGORIES}<END UNSAFE CONTENT CATEGORIES>\n\n<BEGIN CONVERSATION>\n\n`;
  for (const m of messages) prompt += `${m.role === 'user' ? 'User' : 'Agent'}: ${m.content.trim()}\n\n`;
  return `${prompt}<END CONVERSATION>\n\nProvide your safety assessment for ${role} in the above conversation:\n- First line must read 'safe' or 'unsafe'.\n- If unsafe, a second line must include a comma-separated list of violated categories. [/INST]`;
}

/** Text of a message's content: a string, or its text parts joined (LiteLLM's convert_content_list_to_str). */
export function contentText(content: JsonValue | undefined): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  let text = '';
  for (const part of content) {
    const p = part as JsonObject | null;
    if (p && typeof p === 'object' && typeof p.text === 'string') text += p.text;
  }
  return text;
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}
