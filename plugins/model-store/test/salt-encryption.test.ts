/** Credentials at rest, in LiteLLM's formats: what LiteLLM wrote, Sluice reads, and the reverse. */
import { createHash } from 'node:crypto';
import nacl from 'tweetnacl';
import { describe, expect, it } from 'vitest';
import { SaltEncryption } from '../src/salt-encryption.js';

describe('salt encryption', () => {
  it('writes NaCl SecretBox under SHA-256(salt key) as URL-safe base64 (padded) of nonce ‖ box', () => {
    const value = 'sk-provider-secret';
    const stored = new SaltEncryption('sk-1234').encrypt(value);
    expect(stored).toMatch(/^[A-Za-z0-9_-]+=*$/);
    const raw = Buffer.from(stored, 'base64url');
    expect(raw.length).toBe(24 + 16 + value.length);
    expect(stored.length % 4).toBe(0); // Python's urlsafe_b64encode pads
    // Opened with nothing but the documented recipe: LiteLLM's decrypt_value.
    const key = createHash('sha256').update('sk-1234').digest();
    const opened = nacl.secretbox.open(raw.subarray(24), raw.subarray(0, 24), key);
    expect(Buffer.from(opened!).toString('utf8')).toBe(value);
    expect(new SaltEncryption('sk-1234').encrypt(value)).not.toBe(stored); // a fresh nonce each time
  });

  it('reads what LiteLLM wrote with NaCl, in either base64 alphabet', () => {
    const key = createHash('sha256').update('salt').digest();
    const nonce = new Uint8Array(24).fill(7);
    const box = nacl.secretbox(Buffer.from('azure-key-1'), nonce, key);
    const bytes = Buffer.concat([Buffer.from(nonce), Buffer.from(box)]);
    const enc = new SaltEncryption('salt');
    expect(enc.decrypt(bytes.toString('base64'))).toBe('azure-key-1'); // older LiteLLM: standard base64
    expect(enc.decrypt(bytes.toString('base64url'))).toBe('azure-key-1');
  });

  it('reads LiteLLM’s v3:gcm: and v2:gcm: values (written by Python’s cryptography)', () => {
    const enc = new SaltEncryption('sk-1234');
    expect(enc.decrypt('v3:gcm:AAECAwQFBgcICQoLmUiiWPiBNGXmI4idXPmVGPfkEWi1ibNFOaGwxaBF3n3iSQ==')).toBe('sk-provider-secret');
    expect(enc.decrypt('v2:gcm:AAECAwQFBgcICQoLMAbVPC3FGsycRuAVufF2GwAPnePWOfI75hARj1Q=')).toBe('openai/gpt-4o');
  });

  it('writes v3:gcm: when asked, and reads it back', () => {
    const stored = new SaltEncryption('k', 'aes-256-gcm').encrypt('v');
    expect(stored.startsWith('v3:gcm:')).toBe(true);
    expect(new SaltEncryption('k').decrypt(stored)).toBe('v');
  });

  it('does not read a value under another salt key, nor plaintext', () => {
    const stored = new SaltEncryption('right').encrypt('secret');
    expect(new SaltEncryption('wrong').decrypt(stored)).toBeUndefined();
    expect(new SaltEncryption('right').decrypt('openai/gpt-4')).toBeUndefined();
    expect(new SaltEncryption('right').decrypt('https://api.example.com')).toBeUndefined();
    expect(new SaltEncryption('right').decrypt('')).toBeUndefined();
  });
});
