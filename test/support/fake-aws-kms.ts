/**
 * A local AWS KMS (JSON 1.1 `TrentService.*`, SigV4-verified, see fake-aws-json-service.ts) with one
 * symmetric key held locally: Encrypt and Decrypt with AES-256-GCM. Its ciphertext blob embeds the
 * key id (as a real KMS blob does), so Decrypt needs no KeyId; a blob it did not make, or one that
 * was tampered with, is refused with `InvalidCiphertextException`. `encrypt()` builds fixtures
 * without a request, as `aws kms encrypt` would have.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { AwsServiceError, requiredString, startFakeAwsJsonService, type AwsCredentialRegistry, type FakeAwsJsonService } from './fake-aws-json-service.js';

export interface FakeKms extends FakeAwsJsonService {
  keyArn: string;
  /** The base64 ciphertext blob of `plaintext` under the fake's key. */
  encrypt(plaintext: string): string;
}

const MAGIC = Buffer.from('SLK1');

export async function startFakeKms(opts: { region: string; credentials: AwsCredentialRegistry }): Promise<FakeKms> {
  const key = randomBytes(32);
  const keyArn = `arn:aws:kms:${opts.region}:123456789012:key/${crypto.randomUUID()}`;
  const keyId = Buffer.from(keyArn);
  const seal = (plaintext: Buffer): Buffer => {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    cipher.setAAD(keyId);
    const ct = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return Buffer.concat([MAGIC, Buffer.from([keyId.length]), keyId, iv, cipher.getAuthTag(), ct]);
  };
  const open = (blob: Buffer): Buffer => {
    const invalid = new AwsServiceError('InvalidCiphertextException', '');
    if (blob.length < 5 + keyId.length + 28 || !blob.subarray(0, 4).equals(MAGIC)) throw invalid;
    const idLen = blob[4]!;
    if (!blob.subarray(5, 5 + idLen).equals(keyId)) throw invalid;
    let at = 5 + idLen;
    const iv = blob.subarray(at, (at += 12));
    const tag = blob.subarray(at, (at += 16));
    const decipher = createDecipheriv('aes-256-gcm', key, iv);
    decipher.setAAD(keyId);
    decipher.setAuthTag(tag);
    try {
      return Buffer.concat([decipher.update(blob.subarray(at)), decipher.final()]);
    } catch {
      throw invalid;
    }
  };
  const service = await startFakeAwsJsonService({
    signingName: 'kms',
    targetPrefix: 'TrentService',
    region: opts.region,
    credentials: opts.credentials,
    handlers: {
      Encrypt(body) {
        const id = requiredString(body, 'KeyId');
        if (id !== keyArn) throw new AwsServiceError('NotFoundException', `Key '${id}' does not exist`);
        const plaintext = Buffer.from(requiredString(body, 'Plaintext'), 'base64');
        return { CiphertextBlob: seal(plaintext).toString('base64'), KeyId: keyArn, EncryptionAlgorithm: 'SYMMETRIC_DEFAULT' };
      },
      Decrypt(body) {
        if (body.KeyId !== undefined && body.KeyId !== keyArn) throw new AwsServiceError('IncorrectKeyException', 'The key ID in the request does not identify a CMK that can perform this operation.');
        const plaintext = open(Buffer.from(requiredString(body, 'CiphertextBlob'), 'base64'));
        return { Plaintext: plaintext.toString('base64'), KeyId: keyArn, EncryptionAlgorithm: 'SYMMETRIC_DEFAULT' };
      },
    },
  });
  return Object.assign(service, { keyArn, encrypt: (plaintext: string) => seal(Buffer.from(plaintext, 'utf8')).toString('base64') });
}
