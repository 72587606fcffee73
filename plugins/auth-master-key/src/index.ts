/**
 * The master key plugin. Compares in constant time (only the key's length is observable, as with
 * any fixed-format key); hashing every presented token instead would cost more than the rest of auth. With no key configured it generates one, stores it in the
 * data dir (mode 0600) and prints it once, on the start that created it.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { definePlugin, type Principal } from '@sluice/plugin-sdk';
import type { AuthMasterKeyConfig } from './config.generated.js';

const KEY_FILE = 'master.key';

function sha256(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

function storedOrGeneratedKey(dataDir: string): { key: string; generated: boolean } {
  const file = join(dataDir, KEY_FILE);
  if (existsSync(file)) return { key: readFileSync(file, 'utf8').trim(), generated: false };
  const key = `sk-${randomBytes(24).toString('base64url')}`;
  writeFileSync(file, `${key}\n`, { mode: 0o600, flag: 'wx' });
  return { key, generated: true };
}

export default definePlugin<AuthMasterKeyConfig>({
  id: 'auth-master-key',
  version: '1.0.0',
  apiVersion: '^2',
  setup(ctx, config) {
    let key = config.master_key;
    if (!key) {
      if (config.generate_if_missing === false) {
        ctx.log.warn('no master key configured: only other auth plugins can admit requests');
        return {};
      }
      const stored = storedOrGeneratedKey(ctx.dataDir);
      key = stored.key;
      if (stored.generated) {
        // Deliberately not through the logger: the key must be shown to the operator exactly once
        // and must never sit in log storage.
        process.stderr.write(
          `\nSluice generated a master key (stored in ${join(ctx.dataDir, KEY_FILE)}):\n\n    ${key}\n\n` +
            'Set general_settings.master_key or SLUICE_MASTER_KEY to choose your own.\n\n',
        );
      } else {
        ctx.log.info({ file: join(ctx.dataDir, KEY_FILE) }, 'using the stored generated master key');
      }
    } else if (!key.startsWith('sk-')) {
      ctx.log.warn('the master key does not start with "sk-"; LiteLLM clients may reject it');
    }
    ctx.secrets.redact(key);
    const expected = Buffer.from(key);
    const keyHash = sha256(key).toString('hex');
    const principal: Principal = Object.freeze({
      id: 'master_key',
      authenticatedBy: 'auth-master-key',
      role: 'proxy_admin',
      keyHash,
      userId: 'default_user_id',
    });
    return {
      async preAuth(input) {
        if (input.token === undefined) return undefined;
        const presented = Buffer.from(input.token);
        if (presented.length !== expected.length) return undefined;
        return timingSafeEqual(presented, expected) ? principal : undefined;
      },
    };
  },
});
