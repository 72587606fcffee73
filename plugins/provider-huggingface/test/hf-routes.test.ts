/** Where huggingface/ deployments send chat and embeddings, as LiteLLM builds the URLs. */
import { describe, expect, it } from 'vitest';
import { chatCompletionUrl, chatRoute, embeddingUrl } from '../src/hf-routes.js';

const ROUTER = 'https://router.huggingface.co';

describe('huggingface/ URLs', () => {
  it('an api_base gets the chat path once', () => {
    expect(chatCompletionUrl('https://e.endpoints.huggingface.cloud')).toBe('https://e.endpoints.huggingface.cloud/v1/chat/completions');
    expect(chatCompletionUrl('https://e.endpoints.huggingface.cloud/v1/')).toBe('https://e.endpoints.huggingface.cloud/v1/chat/completions');
    expect(chatCompletionUrl('http://tgi:8080/v1/chat/completions')).toBe('http://tgi:8080/v1/chat/completions');
  });

  it('inference providers have their router routes', () => {
    expect(chatRoute('together/deepseek-ai/DeepSeek-R1', undefined, undefined, ROUTER)).toEqual({
      kind: 'provider',
      url: `${ROUTER}/together/v1/chat/completions`,
      provider: 'together',
      modelId: 'deepseek-ai/DeepSeek-R1',
    });
    expect(chatRoute('novita/meta-llama/Llama-3.3-70B-Instruct', undefined, undefined, ROUTER).url).toBe(`${ROUTER}/novita/v3/openai/chat/completions`);
    expect(chatRoute('fireworks-ai/meta-llama/Llama-3.3-70B-Instruct', undefined, undefined, ROUTER).url).toBe(`${ROUTER}/fireworks-ai/inference/v1/chat/completions`);
    expect(chatRoute('hf-inference/Qwen/Qwen2.5-7B', undefined, undefined, ROUTER).url).toBe(`${ROUTER}/hf-inference/models/Qwen/Qwen2.5-7B/v1/chat/completions`);
  });

  it('an org/model name goes to the router’s own route; a URL model is its own base', () => {
    expect(chatRoute('meta-llama/Llama-3.3-70B-Instruct', undefined, undefined, ROUTER)).toEqual({ kind: 'fixed', url: `${ROUTER}/v1/chat/completions`, model: 'meta-llama/Llama-3.3-70B-Instruct' });
    expect(chatRoute('https://e.endpoints.huggingface.cloud', undefined, undefined, ROUTER).url).toBe('https://e.endpoints.huggingface.cloud/v1/chat/completions');
    expect(chatRoute('together/a/b', 'http://tgi:8080', undefined, ROUTER)).toEqual({ kind: 'fixed', url: 'http://tgi:8080/v1/chat/completions', model: 'together/a/b' });
  });

  it('embeddings: the endpoint, else the router’s feature-extraction pipeline', () => {
    expect(embeddingUrl('BAAI/bge-small-en-v1.5', undefined, undefined, ROUTER)).toBe(`${ROUTER}/hf-inference/models/BAAI/bge-small-en-v1.5/pipeline/feature-extraction`);
    expect(embeddingUrl('BAAI/bge-small-en-v1.5', 'http://tei:80', undefined, ROUTER)).toBe('http://tei:80');
  });
});
