/**
 * A model_list entry's SageMaker settings, resolved once at config load with LiteLLM's names and
 * precedence: credentials and region from `litellm_params` first, then the environment.
 */
import { UpstreamError, type DeploymentConfig, type JsonObject, type JsonValue } from '@sluice/plugin-sdk';
import { customPromptOf, type CustomPrompt } from './prompt-templates.js';
import { sigV4Signer, type RequestSigner } from './request-signer.js';

/** The environment's AWS settings, read once in setup. */
export interface AwsEnvironment {
  accessKeyId: string | undefined;
  secretAccessKey: string | undefined;
  sessionToken: string | undefined;
  regionName: string | undefined;
  region: string | undefined;
  /** `AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME`, the AWS SDKs' setting for the runtime's URL. */
  endpointUrl: string | undefined;
}

export interface SagemakerSettings {
  region: string;
  /** `sagemaker_base_url`: LiteLLM's full invocation URL, used for plain and streamed calls alike. */
  fixedUrl: URL | undefined;
  /** Runtime endpoint the `/endpoints/<name>/invocations[-response-stream]` paths go to. */
  runtime: string;
  signer: RequestSigner;
  /** `aws_sagemaker_allow_zero_temp`: send temperature 0 as is instead of LiteLLM's 0.01. */
  allowZeroTemp: boolean;
  /** `model_id`: the inference component to call (`X-Amzn-SageMaker-Inference-Component`). */
  inferenceComponent: string | undefined;
  /** `hf_model_name`: the Hugging Face model whose prompt template sagemaker/ applies. */
  hfModelName: string | undefined;
  /** A prompt template given in litellm_params (`roles`, `initial_prompt_value`…). */
  customPrompt: CustomPrompt | undefined;
  dropParams: boolean;
  /**
   * Generation parameters set on the deployment (`temperature`, `top_k`…): LiteLLM sends them with
   * every call; a request's own value wins. Undefined when the deployment sets none.
   */
  defaults: JsonObject | undefined;
  /** Values to scrub from logs and error messages. */
  secrets: string[];
}

/** litellm_params that are generation parameters, sent with every call as LiteLLM does. */
const GENERATION_PARAMS = [
  'temperature',
  'top_p',
  'max_tokens',
  'max_completion_tokens',
  'stop',
  'n',
  'top_k',
  'repetition_penalty',
  'do_sample',
  'return_full_text',
  'typical_p',
  'truncate',
  'watermark',
  'seed',
  'max_new_tokens',
  'details',
  'decoder_input_details',
  'reasoning_effort',
];

/** LiteLLM's default when neither the deployment nor the environment names a region. */
const DEFAULT_REGION = 'us-west-2';

/** Ways LiteLLM can obtain credentials that need an STS or profile lookup Sluice does not do. */
const UNSUPPORTED_AUTH_PARAMS = ['aws_role_name', 'aws_profile_name', 'aws_web_identity_token', 'aws_session_name', 'aws_sts_endpoint'];

export function resolveSettings(deployment: DeploymentConfig, env: AwsEnvironment, globalDropParams: boolean): SagemakerSettings {
  const p = deployment.params;
  for (const name of UNSUPPORTED_AUTH_PARAMS) {
    if (p[name] !== undefined) throw new Error(`sagemaker: litellm_params.${name} is not supported; give aws_access_key_id and aws_secret_access_key instead`);
  }
  // LiteLLM reads AWS_REGION_NAME, then lets AWS_REGION override it.
  const region = text(p.aws_region_name) ?? env.region ?? env.regionName ?? DEFAULT_REGION;
  const fixed = text(p.sagemaker_base_url);
  const runtime = (deployment.apiBase ?? env.endpointUrl ?? `https://runtime.sagemaker.${region}.${dnsSuffix(region)}`).replace(/\/+$/, '');
  const fixedUrl = fixed === undefined ? undefined : url(fixed, 'sagemaker_base_url');
  url(runtime, 'api_base');

  const keyId = text(p.aws_access_key_id);
  const secretKey = text(p.aws_secret_access_key);
  if ((keyId === undefined) !== (secretKey === undefined)) {
    throw new Error('sagemaker: litellm_params needs both aws_access_key_id and aws_secret_access_key, or neither');
  }
  let signer: RequestSigner;
  let secrets: (string | undefined)[];
  if (keyId && secretKey) {
    const sessionToken = text(p.aws_session_token);
    signer = sigV4Signer(region, { accessKeyId: keyId, secretAccessKey: secretKey, sessionToken });
    secrets = [secretKey, sessionToken];
  } else if (env.accessKeyId && env.secretAccessKey) {
    signer = sigV4Signer(region, { accessKeyId: env.accessKeyId, secretAccessKey: env.secretAccessKey, sessionToken: env.sessionToken });
    secrets = [env.secretAccessKey, env.sessionToken];
  } else {
    // The deployment still starts (the kernel keeps it as one whose calls fail with this 401), as in LiteLLM.
    throw new UpstreamError(
      'Unable to locate credentials: set litellm_params aws_access_key_id and aws_secret_access_key, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in the environment',
      { status: 401 },
    );
  }
  const component = p.model_id;
  if (component !== undefined && typeof component !== 'string') throw new Error('sagemaker: model_id must be the inference component name, a string');
  return {
    region,
    fixedUrl,
    runtime,
    signer,
    allowZeroTemp: p.aws_sagemaker_allow_zero_temp === true,
    inferenceComponent: text(component),
    hfModelName: text(p.hf_model_name),
    customPrompt: customPromptOf(p),
    dropParams: typeof p.drop_params === 'boolean' ? p.drop_params : globalDropParams,
    defaults: generationDefaults(p),
    secrets: secrets.filter((s): s is string => !!s),
  };
}

function generationDefaults(p: Readonly<Record<string, unknown>>): JsonObject | undefined {
  let out: JsonObject | undefined;
  for (const name of GENERATION_PARAMS) {
    if (p[name] === undefined || p[name] === null) continue;
    (out ??= {})[name] = p[name] as JsonValue;
  }
  return out;
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

function url(value: string, name: string): URL {
  try {
    return new URL(value);
  } catch {
    throw new Error(`sagemaker: ${name} ${JSON.stringify(value)} is not a URL`);
  }
}

/** AWS partitions outside the commercial one use their own DNS suffix. */
function dnsSuffix(region: string): string {
  if (region.startsWith('cn-')) return 'amazonaws.com.cn';
  if (region.startsWith('us-iso-')) return 'c2s.ic.gov';
  if (region.startsWith('us-isob-')) return 'sc2s.sgov.gov';
  return 'amazonaws.com';
}
