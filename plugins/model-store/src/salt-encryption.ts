/**
 * Values at rest encrypted as LiteLLM encrypts them (litellm/proxy/common_utils/
 * encrypt_decrypt_utils.py), so rows written here can be read by LiteLLM and LiteLLM's by Sluice:
 *
 * - `xsalsa20-poly1305` (LiteLLM's historical format, no marker): NaCl SecretBox keyed by
 *   SHA-256(salt key), stored as URL-safe base64 (with padding) of nonce(24) ‖ box.
 * - `v3:gcm:` (LiteLLM's newer default): AES-256-GCM keyed by HKDF-SHA256(salt key, no salt,
 *   info `litellm-at-rest-v3`), base64url of nonce(12) ‖ ciphertext ‖ tag(16). `v2:gcm:` is the
 *   same with the SHA-256 key. Read always; written when `encryption_algorithm: aes-256-gcm`.
 *
 * The salt key is `LITELLM_SALT_KEY`, else the master key, as in LiteLLM.
 */
import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto';
import nacl from 'tweetnacl';

export type EncryptionAlgorithm = 'xsalsa20-poly1305' | 'aes-256-gcm';

const V3 = 'v3:gcm:';
const V2 = 'v2:gcm:';
const NACL_MIN_BYTES = 40; // nonce (24) + MAC (16)

/** Python's `base64.urlsafe_b64encode`: URL-safe alphabet, with `=` padding. */
function urlsafeB64(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64').replace(/\+/g, '-').replace(/\//g, '_');
}

/** Accepts both alphabets, with or without padding (LiteLLM reads both). */
function fromB64(text: string): Buffer {
  return Buffer.from(text.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
}

export class SaltEncryption {
  private readonly shaKey: Uint8Array;
  private readonly hkdfKey: Buffer;
  private readonly keyed: boolean;

  constructor(
    saltKey: string,
    private readonly algorithm: EncryptionAlgorithm = 'xsalsa20-poly1305',
  ) {
    this.keyed = saltKey.length > 0;
    this.shaKey = createHash('sha256').update(saltKey, 'utf8').digest();
    this.hkdfKey = Buffer.from(hkdfSync('sha256', Buffer.from(saltKey, 'utf8'), Buffer.alloc(0), Buffer.from('litellm-at-rest-v3'), 32));
  }

  /** False without a salt key (no LITELLM_SALT_KEY, no master key): nothing can be encrypted. */
  get hasKey(): boolean {
    return this.keyed;
  }

  encrypt(value: string): string {
    if (this.algorithm === 'aes-256-gcm') {
      const nonce = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', this.hkdfKey, nonce);
      const body = Buffer.concat([cipher.update(value, 'utf8'), cipher.final(), cipher.getAuthTag()]);
      return V3 + urlsafeB64(Buffer.concat([nonce, body]));
    }
    const nonce = nacl.randomBytes(nacl.secretbox.nonceLength);
    const box = nacl.secretbox(Buffer.from(value, 'utf8'), nonce, this.shaKey);
    const out = new Uint8Array(nonce.length + box.length);
    out.set(nonce);
    out.set(box, nonce.length);
    return urlsafeB64(out);
  }

  /** The plaintext, or undefined when `value` is not a ciphertext under this salt key. */
  decrypt(value: string): string | undefined {
    try {
      if (value.startsWith(V3) || value.startsWith(V2)) {
        const raw = fromB64(value.slice(V3.length));
        if (raw.length < 28) return undefined;
        const key = value.startsWith(V3) ? this.hkdfKey : Buffer.from(this.shaKey);
        const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12));
        decipher.setAuthTag(raw.subarray(raw.length - 16));
        return Buffer.concat([decipher.update(raw.subarray(12, raw.length - 16)), decipher.final()]).toString('utf8');
      }
      if (!/^[A-Za-z0-9\-_+/]+=*$/.test(value)) return undefined;
      const raw = fromB64(value);
      if (raw.length < NACL_MIN_BYTES) return undefined;
      const opened = nacl.secretbox.open(raw.subarray(24), raw.subarray(0, 24), this.shaKey);
      return opened ? Buffer.from(opened).toString('utf8') : undefined;
    } catch {
      return undefined;
    }
  }
}
