/**
 * LlamaGuard's task prompt, as LiteLLM registers it when `llamaguard_unsafe_content_categories`
 * is set: the operator's categories, the conversation with `User:` / `Agent:` turns, and the
 * instruction to answer `safe` or `unsafe` + the violated categories. Without a categories file
 * no prompt is written here: the message goes to the model as it is, and the serving stack's
 * LlamaGuard chat template (vLLM, Ollama, Groq…) applies the model's own categories, as the
 * Hugging Face template does for LiteLLM.
 */
import type { ModeratedMessage } from './moderated-message.js';

export function llamaGuardPrompt(categories: string, message: ModeratedMessage): string {
  const role = message.role === 'assistant' ? 'Agent' : 'User';
  return [
    `[INST] Task: Check if there is unsafe content in '${role}' messages in conversations according our safety policy with the below categories.`,
    '',
    '<BEGIN UNSAFE CONTENT CATEGORIES>',
    categories.trim(),
    '<END UNSAFE CONTENT CATEGORIES>',
    '',
    '<BEGIN CONVERSATION>',
    '',
    `${role}: ${message.text}`,
    '',
    '<END CONVERSATION>',
    '',
    `Provide your safety assessment for ${role} in the above conversation:`,
    "- First line must read 'safe' or 'unsafe'.",
    '- If unsafe, a second line must include a comma-separated list of violated categories. [/INST]',
  ].join('\n');
}
