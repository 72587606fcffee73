/** The prompts sagemaker/ builds from chat messages, template by template, as LiteLLM's prompt factory writes them. */
import { describe, expect, it } from 'vitest';
import { buildPrompt, customPromptOf } from '../src/prompt-templates.js';

const chat = [
  { role: 'system', content: 'Be brief.' },
  { role: 'user', content: 'Hi' },
  { role: 'assistant', content: 'Hello.' },
  { role: 'user', content: 'Bye' },
];

describe('sagemaker/ prompts', () => {
  it('joins the contents by spaces for a model it has no template for', () => {
    expect(buildPrompt('my-endpoint', undefined, undefined, chat)).toBe('Be brief. Hi Hello. Bye');
  });

  it('Llama 2 chat: [INST] turns with <<SYS>>, <s> and </s> around assistant turns', () => {
    // LiteLLM reopens <s> only before a system (or "human") turn.
    expect(buildPrompt('my-endpoint', 'meta-llama/Llama-2-7b-chat-hf', undefined, chat)).toBe(
      '<s>[INST] <<SYS>>\nBe brief.\n<</SYS>>\n [/INST]\n[INST] Hi [/INST]\nHello.\n</s>[INST] Bye [/INST]\n',
    );
  });

  it('Llama 3 instruct: header tokens, stripped contents, an open assistant turn', () => {
    expect(buildPrompt('x', 'meta-llama/Meta-Llama-3-8B-Instruct', undefined, [{ role: 'user', content: ' Hi ' }])).toBe(
      '<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n',
    );
  });

  it('Falcon instruct, MPT chat, WizardCoder', () => {
    expect(buildPrompt('x', 'tiiuae/falcon-7b-instruct', undefined, chat)).toBe('Be brief.user:Hi\n\nassistant:Hello.\n\nuser:Bye\n\n');
    expect(buildPrompt('x', 'mosaicml/mpt-7b-chat', undefined, chat.slice(1, 2))).toBe('<|im_start|>userHi<|im_end|>\n');
    expect(buildPrompt('x', 'WizardLM/WizardCoder-Python-34B-V1.0', undefined, chat.slice(0, 2))).toBe('Be brief.\n\n### Instruction:\nHi\n\n');
  });

  it('a template from litellm_params: bos at the start and before a system turn after an assistant one, eos after assistant turns', () => {
    const t = customPromptOf({ roles: { user: { pre_message: 'U: ', post_message: '\n' }, assistant: { pre_message: 'A: ', post_message: '\n' } }, bos_token: '<s>', eos_token: '</s>', final_prompt_value: 'A:' });
    expect(buildPrompt('x', undefined, t, [...chat.slice(1, 3), { role: 'system', content: 'S' }])).toBe('<s>U: Hi\nA: Hello.\n</s><s>SA:');
  });

  it('LlamaGuard 7B: the task prompt for the last speaker, or the contents joined when roles do not alternate', () => {
    const agent = buildPrompt('jumpstart-dft-meta-textgeneration-llama-guard-7b', undefined, undefined, chat.slice(1, 3));
    expect(agent.startsWith("[INST] Task: Check if there is unsafe content in 'Agent' messages")).toBe(true);
    expect(agent).toContain('User: Hi\n\nAgent: Hello.\n\n<END CONVERSATION>\n\nProvide your safety assessment for Agent in the above conversation:');
    expect(buildPrompt('x', 'meta-llama/LlamaGuard-7b', undefined, chat)).toBe('Be brief. Hi Hello. Bye');
  });
});
