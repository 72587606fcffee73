/** Sluice in front of the fake Hugging Face, with the deployments the tests use, and the `openai` SDK as client. */
import OpenAI from 'openai';
import { MASTER_KEY, startGateway, type TestGateway } from '../../../../test/support/gateway.js';
import { HF_TOKEN } from './fake-huggingface.js';

export const CLEAN_HF_ENV = { HF_TOKEN: '', HUGGINGFACE_API_KEY: '', HF_API_BASE: '', HUGGINGFACE_API_BASE: '' };

export async function startHfGateway(fakeUrl: string, env: Record<string, string> = {}): Promise<{ sluice: TestGateway; client: OpenAI }> {
  const sluice = await startGateway(
    {
      model_list: [
        // A TGI server / Inference Endpoint: api_base, the model name sent as written.
        { model_name: 'tgi', litellm_params: { model: 'huggingface/meta-llama/Llama-3.1-8B-Instruct', api_base: fakeUrl, api_key: HF_TOKEN, timeout: 5 } },
        { model_name: 'tgi-v1', litellm_params: { model: 'huggingface/tgi', api_base: `${fakeUrl}/v1/`, api_key: HF_TOKEN } },
        { model_name: 'tgi-wrong-key', litellm_params: { model: 'huggingface/tgi', api_base: fakeUrl, api_key: 'hf_wrong' } },
        // Inference Providers through the router: the provider's model id comes from the Hub.
        { model_name: 'together', litellm_params: { model: 'huggingface/together/deepseek-ai/DeepSeek-R1' } },
        { model_name: 'hf-inference', litellm_params: { model: 'huggingface/hf-inference/Qwen/Qwen2.5-7B-Instruct' } },
        { model_name: 'auto', litellm_params: { model: 'huggingface/Qwen/Qwen2.5-7B-Instruct' } },
        { model_name: 'embed-endpoint', litellm_params: { model: 'huggingface/BAAI/bge-small-en-v1.5', api_base: fakeUrl, api_key: HF_TOKEN } },
        { model_name: 'embed-router', litellm_params: { model: 'huggingface/sentence-transformers/all-MiniLM-L6-v2' } },
      ],
      general_settings: { master_key: MASTER_KEY },
      plugins: [{ use: 'provider-huggingface', config: { router_url: fakeUrl, hub_url: fakeUrl } }],
    } as never,
    // Router deployments take the key from the environment, as LiteLLM reads HF_TOKEN.
    { env: { ...CLEAN_HF_ENV, HF_TOKEN, ...env } },
  );
  const client = new OpenAI({ apiKey: MASTER_KEY, baseURL: `${sluice.url}/v1`, maxRetries: 0 });
  return { sluice, client };
}
