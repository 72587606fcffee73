/**
 * A LiteLLM proxy database for the import tests: its own Postgres database built from a committed
 * fixture DDL (test/fixtures/litellm-schema/), rows written as LiteLLM writes them (keys as the
 * SHA-256 hex of the key, secrets encrypted as `encrypt_value_helper` does), and a checksum of
 * every table to prove the import never wrote to it.
 */
import { createCipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import pg from 'pg';
import nacl from 'tweetnacl';

export const FIXTURES = new URL('../fixtures/litellm-schema/', import.meta.url);

export const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** Python's `base64.urlsafe_b64encode`: URL-safe alphabet, `=` padding kept. */
const urlsafeB64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64').replace(/\+/g, '-').replace(/\//g, '_');

/** LiteLLM's historical format: NaCl SecretBox keyed by SHA-256(salt key), urlsafe base64 of nonce ‖ box. */
export function encryptLegacy(value: string, saltKey: string): string {
  const key = createHash('sha256').update(saltKey).digest();
  const nonce = nacl.randomBytes(nacl.secretbox.nonceLength);
  const box = nacl.secretbox(Buffer.from(value, 'utf8'), nonce, key);
  return urlsafeB64(Buffer.concat([nonce, box]));
}

/** LiteLLM's current default: `v3:gcm:` + urlsafe base64 of nonce(12) ‖ AES-256-GCM(HKDF-SHA256 key) ‖ tag. */
export function encryptV3(value: string, saltKey: string): string {
  const key = Buffer.from(hkdfSync('sha256', Buffer.from(saltKey), Buffer.alloc(0), Buffer.from('litellm-at-rest-v3'), 32));
  const nonce = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, nonce);
  const body = Buffer.concat([cipher.update(value, 'utf8'), cipher.final(), cipher.getAuthTag()]);
  return `v3:gcm:${urlsafeB64(Buffer.concat([nonce, body]))}`;
}

export interface LiteLLMSource {
  url: string;
  client: pg.Client;
  checksum(): Promise<string>;
  drop(): Promise<void>;
}

/** Creates database `litellm_src_<pid>_<suffix>` on the server of `adminUrl` and loads `fixture` into it. */
export async function createLiteLLMSource(adminUrl: string, fixture: string, suffix: string): Promise<LiteLLMSource> {
  const name = `litellm_src_${process.pid}_${suffix}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${name}`);
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const u = new URL(adminUrl);
  u.pathname = `/${name}`;
  const url = u.toString();
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query(readFileSync(new URL(fixture, FIXTURES), 'utf8'));
  return {
    url,
    client,
    async checksum() {
      const { rows } = await client.query<{ table_name: string }>("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name");
      const parts: string[] = [];
      for (const { table_name } of rows) {
        const r = await client.query<{ h: string | null; n: string }>(`SELECT md5(string_agg(t::text, '|' ORDER BY t::text)) AS h, count(*) AS n FROM "${table_name}" t`);
        parts.push(`${table_name}:${r.rows[0]!.n}:${r.rows[0]!.h}`);
      }
      return parts.join('\n');
    },
    async drop() {
      await client.end();
      const a = new pg.Client({ connectionString: adminUrl });
      await a.connect();
      await a.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await a.end();
    },
  };
}
