/**
 * LiteLLM's `credential_list`: named credentials defined once and used by deployments through
 * `litellm_params.litellm_credential_name`. The named credential's `credential_values` (api_key,
 * api_base, api_version, aws_*…, `os.environ/` references allowed) fill the deployment's params
 * the deployment does not set itself — what the deployment says wins, as in LiteLLM's
 * `load_credentials_from_list`. The first entry of a name is the one used (CredentialAccessor).
 * Runs before references are resolved, so a credential's `os.environ/` value is resolved, scrubbed
 * from logs and checked like one written in the deployment.
 */
import type { SluiceConfig } from '../../../schemas/generated/config.js';

type Mapping = Record<string, unknown>;
const mappingOf = (value: unknown): Mapping | undefined => (value && typeof value === 'object' && !Array.isArray(value) ? (value as Mapping) : undefined);

export function applyCredentialList(config: SluiceConfig): { modelList: SluiceConfig['model_list']; warnings: string[] } {
  const warnings: string[] = [];
  const credentials = new Map<string, Mapping>();
  const list = (config as Mapping).credential_list;
  if (list !== undefined && !Array.isArray(list)) warnings.push('credential_list must be a list of {credential_name, credential_values, credential_info}; it is ignored');
  (Array.isArray(list) ? list : []).forEach((raw, i) => {
    const entry = mappingOf(raw);
    const name = entry?.credential_name;
    const values = mappingOf(entry?.credential_values);
    if (typeof name !== 'string' || !name || !values) {
      warnings.push(`credential_list[${i}] needs a credential_name and credential_values; it is ignored`);
      return;
    }
    if (!credentials.has(name)) credentials.set(name, values);
  });
  const modelList = config.model_list?.map((entry, i) => {
    const name = entry.litellm_params?.litellm_credential_name;
    if (name === undefined) return entry;
    const values = typeof name === 'string' ? credentials.get(name) : undefined;
    if (!values) {
      warnings.push(`model_list[${i}] (${entry.model_name}): litellm_credential_name ${JSON.stringify(name)} is not in credential_list; the deployment gets no credential from it`);
      return entry;
    }
    const params: Mapping = { ...entry.litellm_params };
    for (const [key, value] of Object.entries(values)) if (!(key in params) && value !== null && value !== undefined) params[key] = value;
    return { ...entry, litellm_params: params as typeof entry.litellm_params };
  });
  return { modelList, warnings };
}
