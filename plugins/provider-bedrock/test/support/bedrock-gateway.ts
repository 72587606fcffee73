/** Sluice in front of the fake Bedrock, with the deployments the tests use, and the `openai` SDK as client. */
import OpenAI from 'openai';
import { MASTER_KEY, startGateway, type TestGateway } from '../../../../test/support/gateway.js';
import { TEST_BEARER_TOKEN, TEST_CREDENTIALS, TEST_REGION } from './fake-bedrock.js';

export const CLAUDE_ID = 'anthropic.claude-3-5-sonnet-20240620-v1:0';
export const CLAUDE_PATH = '/model/anthropic.claude-3-5-sonnet-20240620-v1%3A0';
export const PROFILE_ARN = `arn:aws:bedrock:${TEST_REGION}:123456789012:inference-profile/eu.${CLAUDE_ID}`;

/** LiteLLM's credential settings for the fake's known keys. */
export const AWS_KEYS = {
  aws_access_key_id: TEST_CREDENTIALS.accessKeyId,
  aws_secret_access_key: TEST_CREDENTIALS.secretAccessKey,
  aws_session_token: TEST_CREDENTIALS.sessionToken,
};
export const AWS_PARAMS = { ...AWS_KEYS, aws_region_name: TEST_REGION };

/** No AWS settings from the machine running the tests may leak into a gateway. */
export const CLEAN_AWS_ENV = {
  AWS_ACCESS_KEY_ID: '',
  AWS_SECRET_ACCESS_KEY: '',
  AWS_SESSION_TOKEN: '',
  AWS_REGION: '',
  AWS_REGION_NAME: '',
  AWS_BEARER_TOKEN_BEDROCK: '',
};

export async function startBedrockGateway(fakeUrl: string): Promise<{ sluice: TestGateway; client: OpenAI }> {
  const at = { api_base: fakeUrl, timeout: 5 };
  const sluice = await startGateway(
    {
      model_list: [
        { model_name: 'claude', litellm_params: { model: `bedrock/${CLAUDE_ID}`, ...AWS_PARAMS, ...at } },
        { model_name: 'claude-drop-params', litellm_params: { model: `bedrock/${CLAUDE_ID}`, ...AWS_PARAMS, ...at, drop_params: true } },
        {
          model_name: 'claude-wrong-secret',
          litellm_params: { model: `bedrock/${CLAUDE_ID}`, ...AWS_PARAMS, aws_secret_access_key: 'not/the+right/secret0000000000000000000', ...at },
        },
        { model_name: 'claude-api-key', litellm_params: { model: `bedrock/${CLAUDE_ID}`, api_key: TEST_BEARER_TOKEN, ...at } },
        // No aws_region_name: the region comes from the ARN; converse/ is LiteLLM's explicit route.
        { model_name: 'claude-profile', litellm_params: { model: `bedrock/converse/${PROFILE_ARN}`, ...AWS_KEYS, ...at } },
        { model_name: 'titan-v2', litellm_params: { model: 'bedrock/amazon.titan-embed-text-v2:0', ...AWS_PARAMS, ...at } },
        { model_name: 'titan-v1', litellm_params: { model: 'bedrock/amazon.titan-embed-text-v1', ...AWS_PARAMS, ...at } },
        { model_name: 'cohere-v3', litellm_params: { model: 'bedrock/cohere.embed-english-v3', ...AWS_PARAMS, ...at } },
      ],
      general_settings: { master_key: MASTER_KEY },
    },
    { env: CLEAN_AWS_ENV },
  );
  const client = new OpenAI({ apiKey: MASTER_KEY, baseURL: `${sluice.url}/v1`, maxRetries: 0 });
  return { sluice, client };
}

/** A 1×1 PNG, small and real. */
export const PNG_BYTES = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
  'base64',
);
export const PNG_DATA_URL = `data:image/png;base64,${PNG_BYTES.toString('base64')}`;
