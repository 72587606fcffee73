/**
 * The AWS credentials the Secrets Manager client signs with, chosen as LiteLLM's BaseAWSLLM
 * chooses them from `key_management_settings`:
 *
 * 1. `aws_web_identity_token` + `aws_role_name` → STS AssumeRoleWithWebIdentity (OIDC);
 * 2. `aws_role_name` → STS AssumeRole (with `aws_session_name`, `aws_external_id`), signed with
 *    the profile's or the default chain's credentials;
 * 3. `aws_profile_name` → that profile of ~/.aws/credentials and ~/.aws/config;
 * 4. otherwise the SDK's default chain (environment, IRSA's AWS_WEB_IDENTITY_TOKEN_FILE +
 *    AWS_ROLE_ARN, SSO, profile, container and instance metadata).
 *
 * Every STS call goes to `aws_sts_endpoint` when set (else the SDK's own, which honours
 * AWS_ENDPOINT_URL_STS). Assumed-role credentials are refreshed by the SDK before they expire
 * (it re-asks a provider whose identity carries `expiration`).
 */
import { randomUUID } from 'node:crypto';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { fromIni } from '@aws-sdk/credential-provider-ini';
import { fromWebToken } from '@aws-sdk/credential-provider-web-identity';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';

export interface AwsAuthSettings {
  aws_region_name?: string;
  aws_role_name?: string;
  aws_session_name?: string;
  aws_external_id?: string;
  aws_profile_name?: string;
  aws_web_identity_token?: string;
  aws_sts_endpoint?: string;
}

/** Refresh assumed-role credentials this long before they expire. */
const EXPIRY_MARGIN_MS = 5 * 60_000;

export function awsCredentials(settings: AwsAuthSettings): { provider: AwsCredentialIdentityProvider | undefined; method: string } {
  const region = settings.aws_region_name;
  const stsConfig = { region, ...(settings.aws_sts_endpoint ? { endpoint: settings.aws_sts_endpoint } : {}) };
  const sessionName = settings.aws_session_name || `sluice-${randomUUID().slice(0, 8)}`;
  if (settings.aws_web_identity_token && settings.aws_role_name) {
    return {
      method: 'web identity (AssumeRoleWithWebIdentity)',
      provider: fromWebToken({ roleArn: settings.aws_role_name, webIdentityToken: settings.aws_web_identity_token, roleSessionName: sessionName, clientConfig: stsConfig }),
    };
  }
  const source: AwsCredentialIdentityProvider | undefined = settings.aws_profile_name
    ? fromIni({ profile: settings.aws_profile_name, clientConfig: stsConfig })
    : undefined;
  if (settings.aws_role_name) {
    const sts = new STSClient({ ...stsConfig, credentials: source ?? defaultProvider({ clientConfig: stsConfig }) });
    return { method: 'AssumeRole', provider: assumeRole(sts, settings.aws_role_name, sessionName, settings.aws_external_id) };
  }
  if (source) return { method: `profile ${settings.aws_profile_name}`, provider: source };
  // Undefined: the client builds the default chain with its own region (IRSA's STS call included).
  return { method: 'default credential chain', provider: undefined };
}

function assumeRole(sts: STSClient, roleArn: string, sessionName: string, externalId: string | undefined): AwsCredentialIdentityProvider {
  let current: AwsCredentialIdentity | undefined;
  let pending: Promise<AwsCredentialIdentity> | undefined;
  const fetch = async (): Promise<AwsCredentialIdentity> => {
    const out = await sts.send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: sessionName, ...(externalId ? { ExternalId: externalId } : {}) }));
    const c = out.Credentials;
    if (!c?.AccessKeyId || !c.SecretAccessKey) throw new Error(`STS AssumeRole of ${roleArn} returned no credentials`);
    return { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken, expiration: c.Expiration };
  };
  return async () => {
    if (current && (!current.expiration || current.expiration.getTime() - Date.now() > EXPIRY_MARGIN_MS)) return current;
    pending ??= fetch().finally(() => (pending = undefined));
    current = await pending;
    return current;
  };
}
