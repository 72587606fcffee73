/**
 * LiteLLM's team-level secret manager settings: `/team/new` and `/team/update` take
 * `secret_manager_settings` (a dict, LiteLLM's `Optional[dict]`) and keep it in the team's
 * `metadata.secret_manager_settings` (`_set_object_metadata_field` / `_update_metadata_field`).
 * A key of the team is written to, and deleted from, the secret manager with them
 * (`KeyManagementEventHooks._get_secret_manager_optional_params`): Vault `namespace`, `mount`,
 * `path_prefix`, `data`; AWS `aws_region_name`, `aws_role_name`… Managers ignore fields they do
 * not know, as LiteLLM's do.
 *
 * LiteLLM checks only that it is a dict and finds a bad value when the first key is written.
 * Sluice also refuses, at the team route, a known field that is not a string or that would leave
 * its place in the manager (`..` segments, control characters: LiteLLM's "Invalid secret_name"
 * check on names), so a bad setting fails the team change instead of every later key.
 */
import { invalid, type Check } from './field-checks.js';

export const SECRET_MANAGER_SETTINGS = 'secret_manager_settings';

/** The fields LiteLLM's managers read from a team's settings; each is a string when present. */
const PATH_FIELDS = ['namespace', 'mount', 'path_prefix', 'data'] as const;
const AWS_FIELDS = ['aws_region_name', 'aws_role_name', 'aws_session_name', 'aws_external_id', 'aws_profile_name', 'aws_web_identity_token', 'aws_sts_endpoint'] as const;

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

/** `secret_manager_settings`: null (leave as it is) or a JSON object whose known fields are strings. */
export const secretManagerSettings: Check = (v, f) => {
  if (v === null) return v;
  if (typeof v !== 'object' || Array.isArray(v)) throw invalid(f, 'Input should be a valid dictionary');
  const settings = v as Record<string, unknown>;
  for (const name of [...PATH_FIELDS, ...AWS_FIELDS]) {
    const value = settings[name];
    if (value === undefined || value === null) continue;
    if (typeof value !== 'string') throw invalid(f, `\`${name}\` must be a string`);
    if (CONTROL.test(value)) throw invalid(f, `\`${name}\` must not contain control characters`);
  }
  for (const name of PATH_FIELDS) {
    const value = settings[name];
    if (typeof value !== 'string') continue;
    if (value.split('/').some((segment) => segment === '..' || segment === '.')) throw invalid(f, `Invalid ${name} ${JSON.stringify(value)}: no "." or ".." path segments`);
  }
  if (settings.data === '') throw invalid(f, '`data` must name the field that holds the value');
  return { ...settings };
};

/**
 * Puts a checked top-level `secret_manager_settings` into `fields.metadata`, over the metadata the
 * request sends, else the team's current metadata (an update naming only the settings keeps the
 * rest). A `metadata.secret_manager_settings` sent directly is checked the same way.
 */
export function placeSecretManagerSettings(fields: Record<string, unknown>, currentMetadata: Record<string, unknown> | undefined): void {
  const top = fields[SECRET_MANAGER_SETTINGS];
  delete fields[SECRET_MANAGER_SETTINGS];
  const metadata = fields.metadata as Record<string, unknown> | null | undefined;
  if (metadata && metadata[SECRET_MANAGER_SETTINGS] !== undefined) {
    secretManagerSettings(metadata[SECRET_MANAGER_SETTINGS], `metadata.${SECRET_MANAGER_SETTINGS}`);
  }
  // LiteLLM moves only a value that is not None.
  if (top === undefined || top === null) return;
  fields.metadata = { ...(metadata ?? currentMetadata ?? {}), [SECRET_MANAGER_SETTINGS]: top };
}

/**
 * A team's settings as the managers get them: `metadata.secret_manager_settings` when a non-empty
 * object (LiteLLM reads only there), else the copy a team created before Sluice moved it into the
 * metadata keeps in `litellm_extra`. Undefined: the managers' defaults.
 */
export function teamSecretManagerSettings(team: { metadata?: unknown; litellm_extra?: unknown } | undefined): Readonly<Record<string, unknown>> | undefined {
  for (const holder of [team?.metadata, team?.litellm_extra]) {
    const s = holder && typeof holder === 'object' ? (holder as Record<string, unknown>)[SECRET_MANAGER_SETTINGS] : undefined;
    if (s && typeof s === 'object' && !Array.isArray(s) && Object.keys(s).length > 0) return s as Record<string, unknown>;
  }
  return undefined;
}
