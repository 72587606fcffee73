/**
 * The fake Secrets Manager, KMS and STS (test/support) driven by the official AWS SDK directly,
 * before any plugin: proves the fakes speak the wire format the SDK speaks (JSON 1.1 targets,
 * SigV4, query-protocol STS with XML answers) and refuse what AWS refuses.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CreateSecretCommand,
  DeleteSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { DecryptCommand, EncryptCommand, KMSClient } from '@aws-sdk/client-kms';
import { AssumeRoleCommand, AssumeRoleWithWebIdentityCommand, STSClient } from '@aws-sdk/nested-clients/sts';
import { AwsCredentialRegistry } from '../../../test/support/fake-aws-json-service.js';
import { startFakeSecretsManager, type FakeSecretsManager } from '../../../test/support/fake-aws-secrets-manager.js';
import { startFakeKms, type FakeKms } from '../../../test/support/fake-aws-kms.js';
import { startFakeSts, type FakeSts } from '../../../test/support/fake-aws-sts.js';

const REGION = 'eu-west-1';
const BASE = { accessKeyId: 'AKIAFAKEBASE0000001', secretAccessKey: 'base-secret-access-key-0001' };
const ROLE = 'arn:aws:iam::123456789012:role/sluice-secrets';

describe('fake AWS services, driven by the official SDK', () => {
  const registry = new AwsCredentialRegistry();
  registry.add(BASE);
  let sm: FakeSecretsManager;
  let kms: FakeKms;
  let sts: FakeSts;
  beforeAll(async () => {
    sm = await startFakeSecretsManager({ region: REGION, credentials: registry });
    kms = await startFakeKms({ region: REGION, credentials: registry });
    sts = await startFakeSts({ region: REGION, credentials: registry, roles: [{ arn: ROLE, externalId: 'ext-42', webIdentityToken: 'web-token-1' }] });
  });
  afterAll(async () => {
    await Promise.all([sm.close(), kms.close(), sts.close()]);
  });

  it('Secrets Manager: create, read, put, describe, delete with a recovery window', async () => {
    const client = new SecretsManagerClient({ region: REGION, endpoint: sm.url, credentials: BASE });
    await client.send(new CreateSecretCommand({ Name: 'litellm/k1', SecretString: 'v1', Description: 'd', Tags: [{ Key: 'team', Value: 'a' }] }));
    expect((await client.send(new GetSecretValueCommand({ SecretId: 'litellm/k1' }))).SecretString).toBe('v1');
    await client.send(new PutSecretValueCommand({ SecretId: 'litellm/k1', SecretString: 'v2' }));
    expect((await client.send(new GetSecretValueCommand({ SecretId: 'litellm/k1' }))).SecretString).toBe('v2');
    const described = await client.send(new DescribeSecretCommand({ SecretId: 'litellm/k1' }));
    expect(described.Description).toBe('d');
    expect(described.Tags).toEqual([{ Key: 'team', Value: 'a' }]);
    await client.send(new DeleteSecretCommand({ SecretId: 'litellm/k1', RecoveryWindowInDays: 7 }));
    expect((await client.send(new DescribeSecretCommand({ SecretId: 'litellm/k1' }))).DeletedDate).toBeInstanceOf(Date);
    await expect(client.send(new GetSecretValueCommand({ SecretId: 'litellm/k1' }))).rejects.toMatchObject({ name: 'InvalidRequestException' });
    await expect(client.send(new GetSecretValueCommand({ SecretId: 'nope' }))).rejects.toBeInstanceOf(ResourceNotFoundException);
    expect(sm.calls.map((c) => c.operation)).toContain('CreateSecret');
    expect(sm.calls.every((c) => c.headers['content-type'] === 'application/x-amz-json-1.1')).toBe(true);
  });

  it('Secrets Manager: refuses a wrong secret key (SigV4 verified)', async () => {
    const client = new SecretsManagerClient({ region: REGION, endpoint: sm.url, credentials: { ...BASE, secretAccessKey: 'wrong' }, maxAttempts: 1 });
    await expect(client.send(new GetSecretValueCommand({ SecretId: 'x' }))).rejects.toMatchObject({ name: 'InvalidSignatureException' });
    const other = new SecretsManagerClient({ region: 'us-east-1', endpoint: sm.url, credentials: BASE, maxAttempts: 1 });
    await expect(other.send(new GetSecretValueCommand({ SecretId: 'x' }))).rejects.toMatchObject({ name: 'InvalidSignatureException' });
  });

  it('the SDK honours AWS_ENDPOINT_URL_SECRETS_MANAGER and AWS_ENDPOINT_URL_KMS by itself', async () => {
    sm.put('from-env', 'env-value');
    process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER = sm.url;
    process.env.AWS_ENDPOINT_URL_KMS = kms.url;
    try {
      const client = new SecretsManagerClient({ region: REGION, credentials: BASE });
      expect((await client.send(new GetSecretValueCommand({ SecretId: 'from-env' }))).SecretString).toBe('env-value');
      const k = new KMSClient({ region: REGION, credentials: BASE });
      const blob = kms.encrypt('hello');
      const out = await k.send(new DecryptCommand({ CiphertextBlob: Buffer.from(blob, 'base64') }));
      expect(Buffer.from(out.Plaintext!).toString()).toBe('hello');
    } finally {
      delete process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER;
      delete process.env.AWS_ENDPOINT_URL_KMS;
    }
  });

  it('KMS: encrypt then decrypt; a tampered blob is InvalidCiphertextException', async () => {
    const client = new KMSClient({ region: REGION, endpoint: kms.url, credentials: BASE });
    const enc = await client.send(new EncryptCommand({ KeyId: kms.keyArn, Plaintext: Buffer.from('s3cret') }));
    const dec = await client.send(new DecryptCommand({ CiphertextBlob: enc.CiphertextBlob }));
    expect(Buffer.from(dec.Plaintext!).toString()).toBe('s3cret');
    expect(kms.calls.at(-1)?.headers['x-amz-target']).toBe('TrentService.Decrypt');
    const tampered = Buffer.from(enc.CiphertextBlob!);
    tampered[tampered.length - 1] ^= 1;
    await expect(client.send(new DecryptCommand({ CiphertextBlob: tampered }))).rejects.toMatchObject({ name: 'InvalidCiphertextException' });
  });

  it('STS: AssumeRole with the external id issues credentials the other fakes accept', async () => {
    const client = new STSClient({ region: REGION, endpoint: sts.url, credentials: BASE });
    await expect(client.send(new AssumeRoleCommand({ RoleArn: ROLE, RoleSessionName: 's', ExternalId: 'wrong' }))).rejects.toMatchObject({ name: 'AccessDenied' });
    const out = await client.send(new AssumeRoleCommand({ RoleArn: ROLE, RoleSessionName: 'sluice-session', ExternalId: 'ext-42' }));
    expect(out.Credentials?.Expiration).toBeInstanceOf(Date);
    const session = { accessKeyId: out.Credentials!.AccessKeyId!, secretAccessKey: out.Credentials!.SecretAccessKey!, sessionToken: out.Credentials!.SessionToken! };
    sm.put('role-secret', 'rv');
    const smClient = new SecretsManagerClient({ region: REGION, endpoint: sm.url, credentials: session });
    expect((await smClient.send(new GetSecretValueCommand({ SecretId: 'role-secret' }))).SecretString).toBe('rv');
    expect(sm.calls.at(-1)?.accessKeyId).toBe(session.accessKeyId);
    // The session token is checked: without it the request is refused.
    const noToken = new SecretsManagerClient({ region: REGION, endpoint: sm.url, credentials: { ...session, sessionToken: undefined }, maxAttempts: 1 });
    await expect(noToken.send(new GetSecretValueCommand({ SecretId: 'role-secret' }))).rejects.toMatchObject({ name: 'UnrecognizedClientException' });
  });

  it('STS: AssumeRoleWithWebIdentity is unsigned and checks the token', async () => {
    const client = new STSClient({ region: REGION, endpoint: sts.url });
    await expect(client.send(new AssumeRoleWithWebIdentityCommand({ RoleArn: ROLE, RoleSessionName: 's', WebIdentityToken: 'bad' }))).rejects.toMatchObject({ name: 'AccessDenied' });
    const out = await client.send(new AssumeRoleWithWebIdentityCommand({ RoleArn: ROLE, RoleSessionName: 's', WebIdentityToken: 'web-token-1' }));
    expect(out.Credentials?.AccessKeyId).toMatch(/^ASIA/);
    expect(sts.calls.at(-1)?.signedBy).toBeUndefined();
  });
});
