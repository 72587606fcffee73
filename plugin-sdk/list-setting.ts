/**
 * For first-party plugins only (it reads files): not re-exported from index.ts, so sandbox
 * bundles never pull in node:fs. Import it as `plugin-sdk/list-setting.js`.
 *
 * LiteLLM's list settings (`banned_keywords_list`, `blocked_user_list`): a YAML list, or the path
 * of a text file with one entry per line. LiteLLM opens the path as given, so a relative path is
 * relative to the gateway's working directory.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

/**
 * The entries, blank ones dropped. LiteLLM keeps the empty string a trailing newline leaves, and
 * `'' in text` is always true, so it blocks every request; an empty entry here would do the same.
 */
export function readListSetting(setting: string, value: readonly (string | number)[] | string | undefined): string[] {
  if (value === undefined) return [];
  // YAML reads an unquoted id such as 12345 as a number; it names the same user or keyword.
  if (Array.isArray(value)) return value.map(String).filter((entry) => entry.length > 0);
  const file = resolve(process.cwd(), value as string);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(`${setting}: cannot read the list file ${file}: ${(err as Error).message}`);
  }
  return text
    .split('\n')
    .map((line) => (line.endsWith('\r') ? line.slice(0, -1) : line))
    .filter((line) => line.length > 0);
}
