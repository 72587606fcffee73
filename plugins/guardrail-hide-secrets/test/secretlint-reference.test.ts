/**
 * secretlint (its recommended preset) is the maintained reference detector. It does not run at
 * request time (see the README: per-call cost on many small texts and a profiler that keeps
 * every call's marks), so this test holds the request-time rules to it instead: whatever
 * secretlint flags in the corpus must be gone after redaction, and it must flag none of the
 * look-alikes (an independent check that they are not secrets).
 */
import { lintSource } from '@secretlint/core';
import { creator as recommendedPreset } from '@secretlint/secretlint-rule-preset-recommend';
import { describe, expect, it } from 'vitest';
import { redactSecrets } from '../src/redact-secrets.js';
import { lookAlikes, secretCases } from './secret-corpus.js';

const config = { rules: [{ id: '@secretlint/secretlint-rule-preset-recommend', rule: recommendedPreset }] };

/** The substrings secretlint reports in `text`. */
async function secretlintFindings(text: string): Promise<{ rule: string; found: string }[]> {
  const result = await lintSource({
    source: { content: text, filePath: '/prompt.txt', contentType: 'text' },
    options: { config, noPhysicFilePath: true },
  });
  return result.messages.map((m) => ({ rule: m.ruleId.replace('@secretlint/secretlint-rule-', ''), found: text.slice(m.range[0], m.range[1]) }));
}

describe('secretlint as the reference', () => {
  it('everything secretlint finds in the corpus is gone after request-time redaction', async () => {
    const cases = secretCases();
    const notRemoved: string[] = [];
    const rules = new Set<string>();
    let flaggedCases = 0;
    for (const c of cases) {
      const findings = await secretlintFindings(c.text);
      if (findings.length > 0) flaggedCases++;
      const redacted = redactSecrets(c.text).text;
      for (const f of findings) {
        rules.add(f.rule);
        if (redacted.includes(f.found)) notRemoved.push(`${c.name} (${f.rule})`);
      }
    }
    console.log(JSON.stringify({ suite: 'secretlint reference', corpus: cases.length, flagged_by_secretlint: flaggedCases, rules: [...rules].sort() }));
    expect(notRemoved).toEqual([]);
    // The reference must actually be exercised, or this test proves nothing.
    expect(flaggedCases).toBeGreaterThanOrEqual(15);
  });

  it('secretlint flags none of the look-alikes', async () => {
    const flagged: string[] = [];
    for (const c of lookAlikes()) for (const f of await secretlintFindings(c.text)) flagged.push(`${c.name}: ${f.rule}`);
    expect(flagged).toEqual([]);
  });
});
