/** Sluice in front of the fake SageMaker runtime, with the deployments the tests use, and the `openai` SDK as client. */
import OpenAI from 'openai';
import { MASTER_KEY, startGateway, type TestGateway } from '../../../../test/support/gateway.js';
import { TEST_CREDENTIALS, TEST_REGION } from './fake-sagemaker.js';

export const AWS_PARAMS = {
  aws_access_key_id: TEST_CREDENTIALS.accessKeyId,
  aws_secret_access_key: TEST_CREDENTIALS.secretAccessKey,
  aws_session_token: TEST_CREDENTIALS.sessionToken,
  aws_region_name: TEST_REGION,
};

/** No AWS settings from the machine running the tests may leak into a gateway. */
export const CLEAN_AWS_ENV = { AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '', AWS_SESSION_TOKEN: '', AWS_REGION: '', AWS_REGION_NAME: '', AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME: '' };

export const TGI_ENDPOINT = 'my-tgi-endpoint';
/** LiteLLM applies the Llama 2 chat template when a sagemaker/ endpoint's name says llama-2 and chat. */
export const LLAMA2_ENDPOINT = 'jumpstart-dft-meta-llama-2-7b-chat';
export const CHAT_ENDPOINT = 'my-messages-endpoint';
export const EMBED_ENDPOINT = 'my-tei-embeddings';

export async function startSagemakerGateway(fakeUrl: string, litellmSettings: Record<string, unknown> = {}): Promise<{ sluice: TestGateway; client: OpenAI }> {
  const at = { api_base: fakeUrl, timeout: 5 };
  const sluice = await startGateway(
    {
      model_list: [
        { model_name: 'tgi', litellm_params: { model: `sagemaker/${TGI_ENDPOINT}`, ...AWS_PARAMS, ...at } },
        { model_name: 'tgi-zero-temp', litellm_params: { model: `sagemaker/${TGI_ENDPOINT}`, ...AWS_PARAMS, ...at, aws_sagemaker_allow_zero_temp: true } },
        { model_name: 'tgi-drop', litellm_params: { model: `sagemaker/${TGI_ENDPOINT}`, ...AWS_PARAMS, ...at, drop_params: true } },
        { model_name: 'tgi-component', litellm_params: { model: `sagemaker/${TGI_ENDPOINT}`, ...AWS_PARAMS, ...at, model_id: 'my-component-1' } },
        { model_name: 'llama2', litellm_params: { model: `sagemaker/${LLAMA2_ENDPOINT}`, ...AWS_PARAMS, ...at } },
        {
          model_name: 'tgi-wrong-secret',
          litellm_params: { model: `sagemaker/${TGI_ENDPOINT}`, ...AWS_PARAMS, aws_secret_access_key: 'not/the+right/secret0000000000000000000', ...at },
        },
        { model_name: 'messages', litellm_params: { model: `sagemaker_chat/${CHAT_ENDPOINT}`, ...AWS_PARAMS, ...at } },
        { model_name: 'nova', litellm_params: { model: 'sagemaker_nova/my-nova-endpoint', ...AWS_PARAMS, ...at } },
        // Generation parameters on the deployment, as LiteLLM's docs set them.
        { model_name: 'tgi-defaults', litellm_params: { model: `sagemaker/${TGI_ENDPOINT}`, ...AWS_PARAMS, ...at, temperature: 0.2, top_k: 1 } },
        { model_name: 'embed', litellm_params: { model: `sagemaker/${EMBED_ENDPOINT}`, ...AWS_PARAMS, ...at } },
      ],
      general_settings: { master_key: MASTER_KEY },
      litellm_settings: litellmSettings,
    },
    { env: CLEAN_AWS_ENV },
  );
  const client = new OpenAI({ apiKey: MASTER_KEY, baseURL: `${sluice.url}/v1`, maxRetries: 0 });
  return { sluice, client };
}
