/**
 * LiteLLM's own configs, as its users point `--config` at them: every YAML of
 * `litellm/proxy/example_config_yaml/`, `proxy_server_config.yaml`, `litellm/proxy/proxy_config.yaml`,
 * the configs under `tests/proxy_unit_tests/`, and those of the docs pages configs.md, prod.md,
 * load_balancing.md and guardrails/quick_start.md (each file in `configs/` names its source).
 *
 * Each one passes `sluice config check` (the command's own code, in-process) and starts a gateway
 * that answers `/health/liveliness`, with the environment variables it references left unset as a
 * user who has not exported them yet would; what Sluice does not act on is in the warnings.
 * The files under `configs/refused-by-litellm/` are ones LiteLLM itself cannot load (PyYAML
 * refuses them, or an `include:` is missing, as upstream's test_load_config_with_missing_include
 * expects): Sluice refuses them too, with the reason.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../kernel/cli/main.js';
import { createGateway } from '../../kernel/gateway.js';
import { tempDir } from '../support/gateway.js';

const DIR = join(import.meta.dirname, 'configs');
const REFUSED = join(DIR, 'refused-by-litellm');

function yamlFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return path === REFUSED ? [] : yamlFiles(path);
    return name.endsWith('.yaml') ? [path] : [];
  });
}

const FIXTURES = yamlFiles(DIR).sort();
const REFUSED_FIXTURES = readdirSync(REFUSED).map((n) => join(REFUSED, n)).sort();

const BASE_ENV = /^(PATH|HOME|TMPDIR|LANG|NODE_.*|VITEST.*)$/;

/**
 * What a user running the config would have set beyond what the file names. A config that names a
 * database (`general_settings.database_url: postgresql://user:password@localhost…`) expects that
 * database to exist: here a SQLite file of the test stands in for it (DATABASE_URL wins, as in
 * LiteLLM).
 */
function extraEnv(file: string, dataDir: string): NodeJS.ProcessEnv {
  const text = readFileSync(file, 'utf8');
  return {
    ...(/^\s*database_url:\s*"?postgres/m.test(text) && { DATABASE_URL: `sqlite:${join(dataDir, 'litellm.db')}` }),
  };
}

/** The variables a LiteLLM config may name, none of them set (plus the host's Sluice settings). */
function userEnv(file: string, dataDir: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (BASE_ENV.test(k)) env[k] = v;
  return { ...env, SLUICE_DATA_DIR: dataDir, ...extraEnv(file, dataDir) };
}

/** Runs `sluice config check FILE` in-process; the command mutates process.env as LiteLLM does (environment_variables), so it is restored. */
async function configCheck(file: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const saved = { ...process.env };
  let stdout = '';
  let stderr = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => ((stdout += String(chunk)), true));
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => ((stderr += String(chunk)), true));
  try {
    for (const k of Object.keys(process.env)) if (!BASE_ENV.test(k)) delete process.env[k];
    Object.assign(process.env, userEnv(file, tempDir('sluice-cfg-')));
    const code = await main(['config', 'check', file]);
    return { code, stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
    for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
    Object.assign(process.env, saved);
  }
}

async function startFrom(file: string) {
  const logs: string[] = [];
  const destination = new Writable({
    write(chunk, _enc, cb) {
      logs.push(...String(chunk).split('\n').filter(Boolean));
      cb();
    },
  });
  const gateway = await createGateway({ configPath: file, env: userEnv(file, tempDir('sluice-cfg-')), logDestination: destination, logLevel: 'warn' });
  return { gateway, logs };
}

afterEach(() => vi.restoreAllMocks());

/** What some fixtures ask for that Sluice does not act on (or fails at call time): named in the warnings. */
const NOT_ACTED_ON: Record<string, RegExp[]> = {
  'proxy_server_config.yaml': [
    /^finetune_settings is not acted on by Sluice \(the \/fine_tuning\/jobs endpoints are not implemented\)/,
    /^files_settings is not acted on by Sluice \(the \/files endpoints are not implemented\)/,
    /^model_list\[2\] \(gpt-3\.5-turbo\): litellm\.AuthenticationError: .*AZURE_API_KEY.* every call to it answers 401/,
  ],
  'example_config_yaml/oai_misc_config.yaml': [/^finetune_settings is not acted on/, /^files_settings is not acted on/, /^litellm_settings\.telemetry is not a setting Sluice knows/],
  'example_config_yaml/otel_test_config.yaml': [
    /guardrail "aporia-pre-guard" "aporia" is a LiteLLM guardrail Sluice does not implement.*a request that activates it gets a 500/,
    /guardrail "bedrock-pre-guard" "bedrock" is a LiteLLM guardrail/,
    /guardrail "custom-pre-guard" "custom_guardrail\.myCustomGuardrail" is a custom guardrail/,
  ],
  'example_config_yaml/guardrails_eu_ai_act.yaml': [/"litellm_content_filter" is a LiteLLM guardrail Sluice does not implement/],
  'proxy_unit_tests/test_configs/test_guardrails_config.yaml': [/"lakera_prompt_injection" is a LiteLLM guardrail Sluice does not implement/],
  'docs/guardrails-tag-based-modes.yaml': [/mode\.tags \(guardrails_ai-guard\): modes by request tag are not supported/],
  'proxy_unit_tests/example_config_yaml/config_with_env_vars.yaml': [/litellm_settings\.success_callback is given more than once; the last value is used/],
  'example_config_yaml/china_domestic_free_sources.yaml': [/LLM Provider NOT provided\. .*You passed model=siliconflow\/deepseek-ai\/DeepSeek-R1-Distill-Qwen-7B\. The deployment starts; every call to it answers 400/],
  'docs/configs-quick-start.yaml': [/^model_list\[1\] \(bedrock-claude-v1\): litellm\.AuthenticationError: .*no AWS credentials/],
  'example_config_yaml/builtin_mcp_config.yaml': [/^mcp_builtin_servers is not acted on by Sluice/, /^general_settings\.debug is not a setting Sluice knows/],
  'docs/load-balancing-multiple-instances.yaml': [/^router_settings\.cache_params is not a setting Sluice knows/],
  // Python files next to LiteLLM's config (custom_callbacks.py, custom_auth_basic.py) are warnings, not failures.
  'proxy_unit_tests/test_configs/test_custom_logger.yaml': [/^litellm_settings\.callbacks: "custom_callbacks\.my_custom_logger" is a Python callback, which Sluice cannot load/],
  'example_config_yaml/pass_through_config.yaml': [/^general_settings\.custom_auth is accepted but not yet supported/],
  'docs/configs-credentials.yaml': [/^model_list\[0\] \(gpt-4o\): litellm\.AuthenticationError: azureException - os\.environ\/AZURE_API_KEY is not set/],
};

/** Found only by starting (config check opens no connection): its environment_variables name a Redis nothing listens on. */
const STARTUP_ONLY: Record<string, RegExp[]> = {
  'example_config_yaml/load_balancer.yaml': [/^Cannot connect to Redis at redis:\/\/:\*\*\*@localhost:6329: .*kept per instance until it answers/],
};

/** The lines under "Warnings:" of `config check`'s output. */
function printedWarnings(stdout: string): string[] {
  const at = stdout.indexOf('\nWarnings:\n');
  return at < 0 ? [] : stdout.slice(at + 11).split('\n').filter((l) => l.startsWith('  - ')).map((l) => l.slice(4));
}

describe('LiteLLM configs pass `sluice config check` and start', () => {
  it('has every fixture', () => {
    expect(FIXTURES.length).toBeGreaterThanOrEqual(60);
    for (const name of Object.keys(NOT_ACTED_ON)) expect(FIXTURES.map((f) => relative(DIR, f))).toContain(name);
  });

  for (const file of FIXTURES) {
    const name = relative(DIR, file);
    it(name, async () => {
      const check = await configCheck(file);
      expect(check.stderr).toBe('');
      expect(check.code).toBe(0);
      expect(check.stdout).toMatch(/^Config OK/);

      for (const expected of NOT_ACTED_ON[name] ?? []) expect(printedWarnings(check.stdout), String(expected)).toContainEqual(expect.stringMatching(expected));

      const { gateway } = await startFrom(file);
      try {
        for (const expected of [...(NOT_ACTED_ON[name] ?? []), ...(STARTUP_ONLY[name] ?? [])]) {
          expect(gateway.warnings, String(expected)).toContainEqual(expect.stringMatching(expected));
        }
        const address = await gateway.listen(0, '127.0.0.1');
        const res = await fetch(`${address}/health/liveliness`);
        expect(res.status).toBe(200);
        expect(await res.text()).toMatch(/alive/);
      } finally {
        await gateway.close();
      }
    });
  }
});

describe('configs LiteLLM itself cannot load are refused with the reason', () => {
  for (const file of REFUSED_FIXTURES) {
    it(relative(DIR, file), async () => {
      const check = await configCheck(file);
      expect(check.code).toBe(2);
      expect(check.stderr).toMatch(/^Config error: /);
    });
  }
});
