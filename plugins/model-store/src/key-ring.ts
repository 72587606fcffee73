/**
 * The salt key in use, and the ones it replaced while this process runs. After a master key
 * rotation (master-key-rotation.ts) the stored rows are encrypted with the new key, but the
 * operator changes `LITELLM_MASTER_KEY` and restarts later: until then every instance encrypts
 * with the new key and reads with the new key first, then the old ones.
 */
import { SaltEncryption, type EncryptionAlgorithm } from './salt-encryption.js';

/** What ModelRows needs of an encryption: SaltEncryption, or this ring of them. */
export interface AtRestEncryption {
  readonly hasKey: boolean;
  encrypt(value: string): string;
  decrypt(value: string): string | undefined;
}

export class KeyRing implements AtRestEncryption {
  private current: SaltEncryption;
  private currentKey: string;
  private older: SaltEncryption[] = [];

  constructor(
    saltKey: string,
    readonly algorithm: EncryptionAlgorithm,
  ) {
    this.currentKey = saltKey;
    this.current = new SaltEncryption(saltKey, algorithm);
  }

  get hasKey(): boolean {
    return this.current.hasKey;
  }

  encrypt(value: string): string {
    return this.current.encrypt(value);
  }

  decrypt(value: string): string | undefined {
    const plain = this.current.decrypt(value);
    if (plain !== undefined) return plain;
    for (const e of this.older) {
      const old = e.decrypt(value);
      if (old !== undefined) return old;
    }
    return undefined;
  }

  /** Encrypts with `saltKey` from now on; values under the replaced key still read. */
  use(saltKey: string): void {
    if (saltKey === this.currentKey) return;
    this.older = [this.current, ...this.older].slice(0, 4);
    this.current = new SaltEncryption(saltKey, this.algorithm);
    this.currentKey = saltKey;
  }
}
