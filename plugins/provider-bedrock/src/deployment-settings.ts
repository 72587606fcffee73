/**
 * A model_list entry's Bedrock settings, resolved once at config load with LiteLLM's names and
 * precedence: credentials and region from `litellm_params` first, then the environment.
 */
import { UpstreamError, type DeploymentConfig } from '@sluice/plugin-sdk';
import { bearerSigner, sigV4Signer, type RequestSigner } from './request-signer.js';

/** The environment's AWS settings, read once in setup. */
export interface AwsEnvironment {
  accessKeyId: string | undefined;
  secretAccessKey: string | undefined;
  sessionToken: string | undefined;
  /** `AWS_REGION_NAME` (LiteLLM's) before `AWS_REGION`. */
  region: string | undefined;
  /** `AWS_BEARER_TOKEN_BEDROCK`: a Bedrock API key. */
  bearerToken: string | undefined;
}

export interface BedrockSettings {
  region: string;
  /** Base URL requests go to, without a trailing slash. */
  endpoint: string;
  signer: RequestSigner;
  /** LiteLLM's `drop_params`: drop OpenAI parameters Bedrock cannot honour instead of refusing the call. */
  dropParams: boolean;
  /** Values to scrub from logs and error messages. */
  secrets: string[];
}

/** LiteLLM's default when neither the deployment nor the environment names a region. */
const DEFAULT_REGION = 'us-west-2';

/** Ways LiteLLM can obtain credentials that need an STS or profile lookup Sluice does not do. */
const UNSUPPORTED_AUTH_PARAMS = ['aws_role_name', 'aws_profile_name', 'aws_web_identity_token', 'aws_session_name', 'aws_sts_endpoint'];

export function resolveSettings(deployment: DeploymentConfig, env: AwsEnvironment, globalDropParams: boolean): BedrockSettings {
  const p = deployment.params;
  for (const name of UNSUPPORTED_AUTH_PARAMS) {
    if (p[name] !== undefined) throw new Error(`bedrock: litellm_params.${name} is not supported; give aws_access_key_id and aws_secret_access_key (or api_key) instead`);
  }
  const region = text(p.aws_region_name) ?? regionOfArn(deployment.model) ?? env.region ?? DEFAULT_REGION;
  const endpoint = (deployment.apiBase ?? text(p.aws_bedrock_runtime_endpoint) ?? `https://bedrock-runtime.${region}.amazonaws.com`).replace(/\/+$/, '');
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new Error(`bedrock: the endpoint ${JSON.stringify(endpoint)} is not a URL`);
  }

  const keyId = text(p.aws_access_key_id);
  const secretKey = text(p.aws_secret_access_key);
  if ((keyId === undefined) !== (secretKey === undefined)) {
    throw new Error('bedrock: litellm_params needs both aws_access_key_id and aws_secret_access_key, or neither');
  }
  let signer: RequestSigner;
  let secrets: (string | undefined)[];
  if (deployment.apiKey) {
    signer = bearerSigner(deployment.apiKey);
    secrets = [deployment.apiKey];
  } else if (keyId && secretKey) {
    const sessionToken = text(p.aws_session_token);
    signer = sigV4Signer(url, region, { accessKeyId: keyId, secretAccessKey: secretKey, sessionToken });
    secrets = [secretKey, sessionToken];
  } else if (env.bearerToken) {
    signer = bearerSigner(env.bearerToken);
    secrets = [env.bearerToken];
  } else if (env.accessKeyId && env.secretAccessKey) {
    signer = sigV4Signer(url, region, { accessKeyId: env.accessKeyId, secretAccessKey: env.secretAccessKey, sessionToken: env.sessionToken });
    secrets = [env.secretAccessKey, env.sessionToken];
  } else {
    // A 401 for every call to this deployment (the kernel keeps it and fails its calls, as LiteLLM does).
    throw new UpstreamError(
      'bedrock: no AWS credentials; set litellm_params aws_access_key_id and aws_secret_access_key (or api_key for a Bedrock API key), ' +
        'or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or AWS_BEARER_TOKEN_BEDROCK) in the environment',
      { status: 401 },
    );
  }
  const dropParams = typeof p.drop_params === 'boolean' ? p.drop_params : globalDropParams;
  return { region, endpoint: url.href.replace(/\/+$/, ''), signer, dropParams, secrets: secrets.filter((s): s is string => !!s) };
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

/** `arn:aws:bedrock:eu-west-1:123456789012:inference-profile/…` names its region. */
function regionOfArn(model: string): string | undefined {
  const m = /^arn:aws[\w-]*:bedrock:([a-z0-9-]+):/.exec(model.replace(/^(converse|invoke)\//, ''));
  return m?.[1];
}
