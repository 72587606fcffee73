/**
 * Issue 12 (security review), item 23: hide_secrets must catch the secrets people paste, in the
 * formats the maintained rule sets know (gitleaks, from which LiteLLM's 94 secret plugins derive),
 * and leave look-alikes alone. Measured on the pure redaction function the guardrail runs on every
 * text (the gateway path is covered by plugins/guardrail-hide-secrets/test/redaction-corpus.test.ts).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { redactSecrets } from '../../plugins/guardrail-hide-secrets/src/redact-secrets.js';
import { lookAlikes } from '../../plugins/guardrail-hide-secrets/test/secret-corpus.js';
import { moreLookAlikes, realFormatSecrets, type FormatCase } from './hide-secrets-corpus.js';

const RULES_DIR = fileURLToPath(new URL('../../plugins/guardrail-hide-secrets/rules/', import.meta.url));

const secrets = realFormatSecrets();
const looksLikeSecrets = [...lookAlikes(), ...moreLookAlikes()];

/** Missed, or only partly redacted: any 12-character piece of the secret still reaches the provider. */
function missed(c: FormatCase): boolean {
  const out = redactSecrets(c.text).text;
  return c.secrets.some((s) => {
    for (let i = 0; i + 12 <= s.length; i += 6) if (out.includes(s.slice(i, i + 12))) return true;
    return out.includes(s);
  });
}

describe('item 23: hide_secrets misses common secrets', () => {
  it('redacts at least 95 % of a corpus of 100+ real secret formats', () => {
    expect(secrets.length).toBeGreaterThanOrEqual(100);
    expect(new Set(secrets.map((c) => c.name)).size).toBe(secrets.length);
    const misses = secrets.filter(missed).map((c) => c.name);
    const recall = (secrets.length - misses.length) / secrets.length;
    console.log(JSON.stringify({ suite: 'hide_secrets real formats', formats: secrets.length, redacted: secrets.length - misses.length, recall: Number(recall.toFixed(3)), missed: misses }));
    expect(recall).toBeGreaterThanOrEqual(0.95);
  });

  it('leaves at least 95 % of 100+ look-alikes untouched', () => {
    expect(looksLikeSecrets.length).toBeGreaterThanOrEqual(100);
    const changed = looksLikeSecrets.filter((c) => redactSecrets(c.text).text !== c.text).map((c) => c.name);
    const untouched = (looksLikeSecrets.length - changed.length) / looksLikeSecrets.length;
    console.log(JSON.stringify({ suite: 'hide_secrets look-alikes', look_alikes: looksLikeSecrets.length, untouched: Number(untouched.toFixed(3)), changed }));
    expect(untouched).toBeGreaterThanOrEqual(0.95);
  });

  it('catches the six formats the review found missing', () => {
    const named = ['RSA private key (PEM)', 'OpenSSH private key', 'Slack webhook URL', 'Mailgun private API key', 'DigitalOcean personal access token', 'Discord bot token'];
    const cases = named.map((name) => secrets.find((c) => c.name === name)!);
    expect(cases.filter((c) => c === undefined)).toEqual([]);
    expect(cases.filter(missed).map((c) => c.name)).toEqual([]);
  });

  it('names a vendor rule in the warning, never the value', () => {
    const hook = secrets.find((c) => c.name === 'DigitalOcean personal access token')!;
    const r = redactSecrets(hook.text);
    expect(r.types).toEqual(['DigitalOcean PAT']);
    expect(JSON.stringify(r.types)).not.toContain(hook.secrets[0]);
  });

  it('runs a committed rule set: gitleaks rules as data, converted from the upstream TOML, with its MIT notice', () => {
    const notice = readFileSync(`${RULES_DIR}NOTICE`, 'utf8');
    expect(notice).toContain('MIT License');
    expect(notice).toContain('Copyright (c) 2019 Zachary Rice');
    const data = JSON.parse(readFileSync(`${RULES_DIR}gitleaks-rules.json`, 'utf8')) as { rules: { id: string; keywords: string[] }[] };
    expect(data.rules.length).toBeGreaterThanOrEqual(200);
    // The committed JSON is what the converter makes of the committed TOML (no hand edits).
    execFileSync(process.execPath, [`${RULES_DIR}convert-gitleaks.mjs`, '--check'], { stdio: 'pipe' });
  });
});
