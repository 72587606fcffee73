/**
 * Default base URLs and key variables of the OpenAI-compatible providers LiteLLM knows by prefix.
 * OpenAI itself (`openai/`, `text-completion-openai/`) is served by provider-openai.
 */
export interface KnownProvider {
  apiBase: string | undefined;
  keyEnv: string | undefined;
}

export const KNOWN_PROVIDERS: Record<string, KnownProvider> = {
  custom_openai: { apiBase: undefined, keyEnv: 'OPENAI_API_KEY' },
  openai_compatible: { apiBase: undefined, keyEnv: undefined },
  hosted_vllm: { apiBase: undefined, keyEnv: 'HOSTED_VLLM_API_KEY' },
  vllm: { apiBase: undefined, keyEnv: undefined },
  groq: { apiBase: 'https://api.groq.com/openai/v1', keyEnv: 'GROQ_API_KEY' },
  together_ai: { apiBase: 'https://api.together.xyz/v1', keyEnv: 'TOGETHERAI_API_KEY' },
  deepseek: { apiBase: 'https://api.deepseek.com/v1', keyEnv: 'DEEPSEEK_API_KEY' },
  openrouter: { apiBase: 'https://openrouter.ai/api/v1', keyEnv: 'OPENROUTER_API_KEY' },
  fireworks_ai: { apiBase: 'https://api.fireworks.ai/inference/v1', keyEnv: 'FIREWORKS_AI_API_KEY' },
  perplexity: { apiBase: 'https://api.perplexity.ai', keyEnv: 'PERPLEXITYAI_API_KEY' },
  deepinfra: { apiBase: 'https://api.deepinfra.com/v1/openai', keyEnv: 'DEEPINFRA_API_KEY' },
  xai: { apiBase: 'https://api.x.ai/v1', keyEnv: 'XAI_API_KEY' },
  lm_studio: { apiBase: 'http://localhost:1234/v1', keyEnv: 'LM_STUDIO_API_KEY' },
  cerebras: { apiBase: 'https://api.cerebras.ai/v1', keyEnv: 'CEREBRAS_API_KEY' },
  sambanova: { apiBase: 'https://api.sambanova.ai/v1', keyEnv: 'SAMBANOVA_API_KEY' },
  nvidia_nim: { apiBase: 'https://integrate.api.nvidia.com/v1', keyEnv: 'NVIDIA_NIM_API_KEY' },
  anyscale: { apiBase: 'https://api.endpoints.anyscale.com/v1', keyEnv: 'ANYSCALE_API_KEY' },
  llamafile: { apiBase: 'http://127.0.0.1:8080/v1', keyEnv: undefined },
  litellm_proxy: { apiBase: undefined, keyEnv: 'LITELLM_PROXY_API_KEY' },
};
