/**
 * `sluice import litellm`, models part: LiteLLM_ProxyModelTable → the stored models, and
 * LiteLLM_MCPServerTable → the plugin's kv store (kept for the MCP gateway; inactive until then).
 *
 * LiteLLM encrypts every string of a stored model's `litellm_params` with its salt key, and the
 * values of LiteLLM_CredentialsTable the same way (salt-encryption.ts reads both of its formats).
 * Each value is decrypted with LiteLLM's key (`--salt-key`, else its master key) and written again
 * under Sluice's own (ModelRows). A model naming `litellm_credential_name` gets that credential's
 * values inlined (Sluice has no credentials table). Rows are compared decrypted, so a second import
 * reports them unchanged although every encryption draws a new nonce.
 */
import { isDeepStrictEqual } from 'node:util';
import type { Importer, ImportInput, ImportOutcome, ImportSource, PluginContext } from '@sluice/plugin-sdk';
import { MODELS_TABLE } from './migrations.js';
import type { ModelRows } from './model-rows.js';
import { SaltEncryption } from './salt-encryption.js';
import type { AtRestEncryption } from './key-ring.js';

const MODELS = 'LiteLLM_ProxyModelTable';
const CREDENTIALS = 'LiteLLM_CredentialsTable';
const MCP = 'LiteLLM_MCPServerTable';
/** kv prefix of carried MCP servers: `litellm-mcp-server:<server_id>` → JSON (credentials encrypted with Sluice's key). */
export const MCP_KV_PREFIX = 'litellm-mcp-server:';

type SourceRow = Record<string, unknown>;

export interface ModelImportDeps {
  ctx: PluginContext;
  rows: ModelRows;
  /** Sluice's salt key encryption (for MCP credentials; models go through `rows`). */
  encryption: AtRestEncryption;
  /** `store_model_in_db`: when off, imported models are stored but not served. */
  serving: boolean;
}

export function litellmModelImporter(deps: ModelImportDeps): Importer {
  return { source: 'litellm', entity: 'models', run: (input) => runImport(deps, input) };
}

function object(v: unknown): Record<string, unknown> {
  let value = v;
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value);
      if (typeof value === 'string') value = JSON.parse(value);
    } catch {
      return {};
    }
  }
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

/** What LiteLLM's ciphertexts look like: a `v2:/v3:gcm:` prefix, or URL-safe base64 of ≥ 40 bytes. */
function looksEncrypted(v: string): boolean {
  return v.startsWith('v3:gcm:') || v.startsWith('v2:gcm:') || (/^[A-Za-z0-9_-]+={0,2}$/.test(v) && v.length >= 56);
}

/** Each string decrypted; `undefined` when one looks encrypted but does not open (wrong key). */
function decrypted(params: Record<string, unknown>, key: SaltEncryption): Record<string, unknown> | undefined {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(params)) {
    if (typeof v !== 'string') {
      out[k] = v;
      continue;
    }
    const plain = key.decrypt(v);
    if (plain === undefined && looksEncrypted(v)) return undefined;
    out[k] = plain ?? v;
  }
  return out;
}

async function runImport(deps: ModelImportDeps, { source, options, report }: ImportInput): Promise<ImportOutcome> {
  const modelCols = await source.columns(MODELS);
  const credCols = await source.columns(CREDENTIALS);
  const mcpCols = await source.columns(MCP);
  if (!options.cursor) {
    report.feature(MODELS, modelCols.size > 0);
    report.feature(CREDENTIALS, credCols.size > 0);
    report.feature(MCP, mcpCols.size > 0);
  }
  const litellmKey = new SaltEncryption(options.saltKey ?? '');
  if (!litellmKey.hasKey && modelCols.size + mcpCols.size > 0) report.note('no --salt-key (nor LITELLM_SALT_KEY / LITELLM_MASTER_KEY): encrypted model and MCP credentials cannot be read');
  if (modelCols.size > 0) await importModels(deps, source, litellmKey, credCols.size > 0, modelCols, { dryRun: options.dryRun, report });
  if (mcpCols.size > 0) await importMcpServers(deps, source, litellmKey, { dryRun: options.dryRun, report });
  return {};
}

async function importModels(
  deps: ModelImportDeps,
  source: ImportSource,
  litellmKey: SaltEncryption,
  hasCredentials: boolean,
  cols: ReadonlySet<string>,
  { dryRun, report }: { dryRun: boolean; report: ImportInput['report'] },
): Promise<void> {
  const table = report.table(`${MODELS} → ${MODELS_TABLE}`);
  const credentials = new Map<string, Record<string, unknown> | undefined>();
  if (hasCredentials) {
    for (const c of await source.query(`SELECT "credential_name", "credential_values" FROM "${CREDENTIALS}"`)) {
      credentials.set(String(c.credential_name), decrypted(object(c.credential_values), litellmKey));
    }
    report.table(`${CREDENTIALS} → (inlined into models)`).read(credentials.size);
  }
  const wanted = ['model_id', 'model_name', 'litellm_params', 'model_info', 'blocked', 'created_at', 'created_by', 'updated_at', 'updated_by'].filter((c) => cols.has(c));
  const models = await source.query(`SELECT ${wanted.map((c) => `"${c}"`).join(', ')} FROM "${MODELS}" ORDER BY "model_id"`);
  table.read(models.length);
  let inlined = 0;
  for (const m of models) {
    if (m.blocked === true) {
      table.skipped('blocked in LiteLLM (Sluice stores no blocked state for models)');
      continue;
    }
    const params = decrypted(object(m.litellm_params), litellmKey);
    if (!params) {
      table.skipped('litellm_params encrypted with another key (check --salt-key)');
      continue;
    }
    const credName = typeof params.litellm_credential_name === 'string' ? params.litellm_credential_name : undefined;
    if (credName) {
      const values = credentials.get(credName);
      if (!values) {
        table.skipped(values === undefined && credentials.has(credName) ? 'its credential is encrypted with another key (check --salt-key)' : `credential ${credName} not found`);
        continue;
      }
      for (const [k, v] of Object.entries(values)) if (params[k] === undefined || params[k] === null) params[k] = v;
      delete params.litellm_credential_name;
      inlined++;
    }
    const created = m.created_at instanceof Date ? m.created_at.getTime() : 0;
    const row = {
      model_id: String(m.model_id),
      model_name: String(m.model_name),
      litellm_params: params,
      model_info: { ...object(m.model_info), id: String(m.model_id) },
      created_at: created,
      created_by: String(m.created_by ?? 'litellm-import'),
      updated_at: m.updated_at instanceof Date ? m.updated_at.getTime() : created,
      updated_by: String(m.updated_by ?? 'litellm-import'),
    };
    const before = await deps.rows.find(row.model_id);
    if (before && before.model_name === row.model_name && isDeepStrictEqual(before.litellm_params, row.litellm_params) && isDeepStrictEqual(before.model_info, row.model_info)) {
      table.unchanged();
      continue;
    }
    if (before) table.updated();
    else table.inserted();
    if (dryRun) continue;
    if (before) await deps.rows.update(row.model_id, row);
    else await deps.rows.insert(row);
  }
  if (inlined > 0) report.note(`${inlined} model(s) named a LiteLLM credential (litellm_credential_name): its values were inlined into the model, encrypted with Sluice's salt key`);
  if (models.length > 0 && !deps.serving) report.note('store_model_in_db is off in Sluice\'s config: the imported models are stored but not served until it is turned on');
}

/** MCP servers: carried into the kv store, credentials re-encrypted with Sluice's key; inactive until Sluice has an MCP gateway. */
async function importMcpServers(
  deps: ModelImportDeps,
  source: ImportSource,
  litellmKey: SaltEncryption,
  { dryRun, report }: { dryRun: boolean; report: ImportInput['report'] },
): Promise<void> {
  const table = report.table(`${MCP} → kv ${MCP_KV_PREFIX}*`);
  const servers = await source.query(`SELECT * FROM "${MCP}" ORDER BY "server_id"`);
  table.read(servers.length);
  for (const s of servers) {
    const credentials = mcpCredentials(s.credentials, litellmKey);
    if (credentials === undefined) {
      table.skipped('credentials encrypted with another key (check --salt-key)');
      continue;
    }
    const server: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(s)) if (k !== 'credentials') server[k] = v instanceof Date ? v.toISOString() : v;
    const key = `${MCP_KV_PREFIX}${String(s.server_id)}`;
    const existing = await deps.ctx.kv.get(key);
    if (existing) {
      const prev = JSON.parse(existing) as { server: unknown; credentials: string | null };
      const prevCreds = prev.credentials === null ? null : deps.encryption.decrypt(prev.credentials);
      if (isDeepStrictEqual(prev.server, server) && prevCreds === (credentials === null ? null : JSON.stringify(credentials))) {
        table.unchanged();
        continue;
      }
    }
    if (existing) table.updated();
    else table.inserted();
    if (dryRun) continue;
    const sealed = credentials === null ? null : deps.encryption.hasKey ? deps.encryption.encrypt(JSON.stringify(credentials)) : undefined;
    if (sealed === undefined) throw new Error('Sluice has no salt key (LITELLM_SALT_KEY or master key) to encrypt MCP server credentials with');
    await deps.ctx.kv.set(key, JSON.stringify({ server, credentials: sealed }));
  }
  if (servers.length > 0) report.note(`MCP servers: ${servers.length} carried, inactive (kept in model-store's kv store under "${MCP_KV_PREFIX}" until Sluice has an MCP gateway)`);
}

/** LiteLLM stores an MCP server's credentials as one ciphertext of the JSON map (newer) or a map of ciphertexts (older). */
function mcpCredentials(v: unknown, key: SaltEncryption): Record<string, unknown> | null | undefined {
  if (v === null || v === undefined) return null;
  let value: unknown = v;
  if (typeof value === 'string' && value.trim().startsWith('"')) value = JSON.parse(value) as unknown;
  if (typeof value === 'string') {
    const plain = key.decrypt(value);
    if (plain === undefined) return looksEncrypted(value) ? undefined : object(value);
    return object(plain);
  }
  const map = object(value);
  return Object.keys(map).length === 0 ? null : decrypted(map, key);
}
