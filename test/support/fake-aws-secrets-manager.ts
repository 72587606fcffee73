/**
 * A local AWS Secrets Manager (JSON 1.1, SigV4-verified, see fake-aws-json-service.ts) holding
 * secrets in memory: GetSecretValue, CreateSecret, PutSecretValue, UpdateSecret, DescribeSecret,
 * DeleteSecret (recovery window or ForceDeleteWithoutRecovery), RestoreSecret, TagResource, with
 * the error types and messages AWS answers.
 */
import { randomUUID } from 'node:crypto';
import { AwsServiceError, requiredString, startFakeAwsJsonService, type AwsCredentialRegistry, type FakeAwsJsonService } from './fake-aws-json-service.js';

export interface StoredSecret {
  name: string;
  arn: string;
  value: string;
  versionId: string;
  description?: string;
  tags: { Key: string; Value: string }[];
  kmsKeyId?: string;
  createdDate: number;
  /** Epoch seconds when deletion was requested (scheduled for deletion). */
  deletedDate?: number;
  recoveryWindowInDays?: number;
}

export interface FakeSecretsManager extends FakeAwsJsonService {
  secrets: Map<string, StoredSecret>;
  /** Stores (or replaces) a secret as if created in the console. */
  put(name: string, value: string): void;
}

const ACCOUNT = '123456789012';

export async function startFakeSecretsManager(opts: { region: string; credentials: AwsCredentialRegistry }): Promise<FakeSecretsManager> {
  const secrets = new Map<string, StoredSecret>();
  const arnOf = (name: string) => `arn:aws:secretsmanager:${opts.region}:${ACCOUNT}:secret:${name}-${randomUUID().slice(0, 6)}`;
  const now = () => Math.floor(Date.now() / 1000);
  const find = (id: string): StoredSecret => {
    const s = secrets.get(id) ?? [...secrets.values()].find((x) => x.arn === id);
    if (!s) throw new AwsServiceError('ResourceNotFoundException', "Secrets Manager can't find the specified secret.");
    return s;
  };
  const live = (id: string): StoredSecret => {
    const s = find(id);
    if (s.deletedDate !== undefined) {
      throw new AwsServiceError('InvalidRequestException', "You can't perform this operation on the secret because it was marked for deletion.");
    }
    return s;
  };
  const tagsOf = (body: Record<string, unknown>): { Key: string; Value: string }[] => {
    const tags = body.Tags;
    if (tags === undefined) return [];
    if (!Array.isArray(tags) || tags.some((t) => typeof t?.Key !== 'string' || typeof t?.Value !== 'string')) {
      throw new AwsServiceError('ValidationException', 'Tags must be a list of {Key, Value} strings');
    }
    return tags as { Key: string; Value: string }[];
  };

  const service = await startFakeAwsJsonService({
    signingName: 'secretsmanager',
    targetPrefix: 'secretsmanager',
    region: opts.region,
    credentials: opts.credentials,
    handlers: {
      GetSecretValue(body) {
        const s = live(requiredString(body, 'SecretId'));
        return { ARN: s.arn, Name: s.name, SecretString: s.value, VersionId: s.versionId, VersionStages: ['AWSCURRENT'], CreatedDate: s.createdDate };
      },
      CreateSecret(body) {
        const name = requiredString(body, 'Name');
        const existing = secrets.get(name);
        if (existing?.deletedDate !== undefined) {
          throw new AwsServiceError('InvalidRequestException', "You can't create this secret because a secret with this name is already scheduled for deletion.");
        }
        if (existing) throw new AwsServiceError('ResourceExistsException', `The operation failed because the secret ${name} already exists.`);
        const value = requiredString(body, 'SecretString');
        const s: StoredSecret = {
          name,
          arn: arnOf(name),
          value,
          versionId: typeof body.ClientRequestToken === 'string' ? body.ClientRequestToken : randomUUID(),
          description: typeof body.Description === 'string' ? body.Description : undefined,
          tags: tagsOf(body),
          kmsKeyId: typeof body.KmsKeyId === 'string' ? body.KmsKeyId : undefined,
          createdDate: now(),
        };
        secrets.set(name, s);
        return { ARN: s.arn, Name: s.name, VersionId: s.versionId };
      },
      PutSecretValue(body) {
        const s = live(requiredString(body, 'SecretId'));
        s.value = requiredString(body, 'SecretString');
        s.versionId = typeof body.ClientRequestToken === 'string' ? body.ClientRequestToken : randomUUID();
        return { ARN: s.arn, Name: s.name, VersionId: s.versionId, VersionStages: ['AWSCURRENT'] };
      },
      UpdateSecret(body) {
        const s = live(requiredString(body, 'SecretId'));
        if (typeof body.SecretString === 'string') {
          s.value = body.SecretString;
          s.versionId = typeof body.ClientRequestToken === 'string' ? body.ClientRequestToken : randomUUID();
        }
        if (typeof body.Description === 'string') s.description = body.Description;
        if (typeof body.KmsKeyId === 'string') s.kmsKeyId = body.KmsKeyId;
        return { ARN: s.arn, Name: s.name, VersionId: s.versionId };
      },
      TagResource(body) {
        const s = live(requiredString(body, 'SecretId'));
        for (const tag of tagsOf(body)) {
          s.tags = s.tags.filter((t) => t.Key !== tag.Key);
          s.tags.push(tag);
        }
        return {};
      },
      DescribeSecret(body) {
        const s = find(requiredString(body, 'SecretId'));
        return { ARN: s.arn, Name: s.name, Description: s.description, Tags: s.tags, KmsKeyId: s.kmsKeyId, DeletedDate: s.deletedDate, CreatedDate: s.createdDate };
      },
      DeleteSecret(body) {
        const s = find(requiredString(body, 'SecretId'));
        const force = body.ForceDeleteWithoutRecovery === true;
        const windowDays = body.RecoveryWindowInDays;
        if (force && windowDays !== undefined) {
          throw new AwsServiceError('InvalidParameterException', 'You can\'t use ForceDeleteWithoutRecovery in conjunction with RecoveryWindowInDays.');
        }
        if (windowDays !== undefined && (typeof windowDays !== 'number' || windowDays < 7 || windowDays > 30)) {
          throw new AwsServiceError('InvalidParameterException', 'RecoveryWindowInDays must be between 7 and 30 days.');
        }
        if (force) {
          secrets.delete(s.name);
          return { ARN: s.arn, Name: s.name, DeletionDate: now() };
        }
        s.deletedDate = now();
        s.recoveryWindowInDays = (windowDays as number | undefined) ?? 30;
        return { ARN: s.arn, Name: s.name, DeletionDate: s.deletedDate + s.recoveryWindowInDays * 86400 };
      },
      RestoreSecret(body) {
        const s = find(requiredString(body, 'SecretId'));
        s.deletedDate = undefined;
        s.recoveryWindowInDays = undefined;
        return { ARN: s.arn, Name: s.name };
      },
    },
  });
  return Object.assign(service, {
    secrets,
    put(name: string, value: string) {
      const existing = secrets.get(name);
      if (existing) {
        existing.value = value;
        existing.versionId = randomUUID();
        existing.deletedDate = undefined;
      } else {
        secrets.set(name, { name, arn: arnOf(name), value, versionId: randomUUID(), tags: [], createdDate: now() });
      }
    },
  });
}
