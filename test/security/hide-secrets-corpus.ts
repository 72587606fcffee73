/**
 * Issue 12, item 23: a corpus of real secret formats (one per vendor format, each in the context it
 * is usually pasted in: a .env line, a YAML or JSON config, a shell command, a sentence) and of
 * look-alikes that must come through untouched. Values are drawn from a seeded generator when the
 * test runs, following each vendor's documented shape, and prefixes are assembled at run time, so
 * this file holds no credential-shaped literal that a repository scanner would flag.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { ALNUM, B64, DIGITS, HEX, LOWER, UPPER, URLSAFE, tokenDrawer } from '../../plugins/guardrail-hide-secrets/test/secret-corpus.js';

export interface FormatCase {
  /** The format, e.g. "Slack webhook URL". */
  name: string;
  text: string;
  /** Parts of the secret that must not reach the provider. */
  secrets: string[];
}

export interface LookAlikeCase {
  name: string;
  text: string;
}

const LOWER_ALNUM = LOWER + DIGITS;
const UPPER_ALNUM = UPPER + DIGITS;
const draw = tokenDrawer(12_23);

const uuid = () => `${draw(HEX, 8)}-${draw(HEX, 4)}-4${draw(HEX, 3)}-a${draw(HEX, 3)}-${draw(HEX, 12)}`;
const b64url = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
/** Joined at run time so no vendor prefix sits next to a token body in this file. */
const p = (...parts: string[]) => parts.join('');

function one(name: string, secret: string, sentence: (value: string) => string): FormatCase {
  return { name, text: sentence(secret), secrets: [secret] };
}

/** A PEM block: what must go is its body, checked by its first and last lines. */
function pem(name: string, block: string, sentence: (pem: string) => string): FormatCase {
  const lines = block.trim().split('\n');
  const body = lines.slice(1, -1).filter((l) => l.length >= 16);
  return { name, text: sentence(block.trim()), secrets: [body[0]!, body[body.length - 1]!] };
}

function wrap(base64: string, width: number): string {
  return base64.match(new RegExp(`.{1,${width}}`, 'g'))!.join('\n');
}

function pemBlocks(): FormatCase[] {
  const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey;
  const ec = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey;
  const ed = generateKeyPairSync('ed25519').privateKey;
  const label = (kind: string) => p('PRIVATE', ' KEY', kind);
  const openssh = `-----BEGIN OPENSSH ${label('')}-----\n${wrap(Buffer.concat([Buffer.from('openssh-key-v1\0none\0'), randomBytes(360)]).toString('base64'), 70)}\n-----END OPENSSH ${label('')}-----`;
  const pgp = `-----BEGIN PGP ${label(' BLOCK')}-----\n\n${wrap(randomBytes(600).toString('base64'), 64)}\n=${draw(B64, 4)}\n-----END PGP ${label(' BLOCK')}-----`;
  const dsa = `-----BEGIN DSA ${label('')}-----\n${wrap(randomBytes(440).toString('base64'), 64)}\n-----END DSA ${label('')}-----`;
  const encrypted = ed.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'correct horse' }).toString();
  const gcpPem = ed.export({ type: 'pkcs8', format: 'pem' }).toString().trim();
  const gcpBody = gcpPem.split('\n').slice(1, -1);
  return [
    pem('RSA private key (PEM)', rsa.export({ type: 'pkcs1', format: 'pem' }).toString(), (k) => `Is this deploy key still valid?\n${k}\nssh says "invalid format".`),
    pem('EC private key (PEM)', ec.export({ type: 'sec1', format: 'pem' }).toString(), (k) => `Signing key from the old box:\n\n${k}\n`),
    pem('PKCS#8 private key', rsa.export({ type: 'pkcs8', format: 'pem' }).toString(), (k) => `tls:\n  key: |\n${k.split('\n').map((l) => `    ${l}`).join('\n')}`),
    pem('encrypted PKCS#8 private key', encrypted, (k) => `openssl asks for a pass phrase for this one:\n${k}`),
    pem('OpenSSH private key', openssh, (k) => `cat ~/.ssh/id_ed25519 prints\n${k}\nand ssh-add refuses it`),
    pem('PGP private key block', pgp, (k) => `gpg --import fails on:\n${k}`),
    pem('DSA private key', dsa, (k) => `Legacy host key:\n${k}`),
    {
      name: 'GCP service-account JSON private key',
      text: `{"type": "service_account", "project_id": "billing-prod", "private_key_id": "${draw(HEX, 40)}", "private_key": "${gcpPem.split('\n').join('\\n')}\\n", "client_email": "etl@billing-prod.iam.gserviceaccount.com"}`,
      secrets: [gcpBody[0]!],
    },
  ];
}

function vendorTokens(): FormatCase[] {
  const slackId = () => draw(UPPER_ALNUM, 10);
  const jwt = `${b64url({ alg: 'HS256', typ: 'JWT' })}.${b64url({ sub: draw(DIGITS, 10), name: 'Dana Ortiz', iat: 1717691639 })}.${draw(URLSAFE, 43)}`;
  const discordId = Buffer.from('1' + draw(DIGITS, 17)).toString('base64');
  return [
    // Chat and collaboration.
    one('Slack bot token', p('xox', 'b-', draw(DIGITS, 12), '-', draw(DIGITS, 13), '-', draw(ALNUM, 24)), (v) => `chat.postMessage returns not_in_channel with ${v}`),
    one('Slack user token', p('xox', 'p-', draw(DIGITS, 12), '-', draw(DIGITS, 12), '-', draw(DIGITS, 13), '-', draw(HEX, 32)), (v) => `The user token (${v}) can read DMs, is that expected?`),
    one('Slack app-level token', p('xa', 'pp-1-', 'A0', draw(UPPER_ALNUM, 9), '-', draw(DIGITS, 13), '-', draw(HEX, 64)), (v) => `Socket mode connects with ${v} then drops.`),
    one('Slack config refresh token', p('xox', 'e-1-', draw(UPPER_ALNUM, 146)), (v) => `rotate with refresh_token=${v}`),
    one('Slack webhook URL', p('T', slackId(), '/B', slackId(), '/', draw(ALNUM, 24)), (v) => `Alerts go to https://hooks.slack.com/services/${v} but nothing arrives.`),
    one('Slack workflow webhook', p('A0', draw(UPPER_ALNUM, 9), '/', draw(DIGITS, 18), '/', draw(ALNUM, 24)), (v) => `The workflow fires on POST https://hooks.slack.com/triggers/T0${draw(UPPER_ALNUM, 9)}/${v}`),
    one('Discord bot token', p(discordId, '.', draw(URLSAFE, 6), '.', draw(URLSAFE, 38)), (v) => `client.login('${v}') says "An invalid token was provided".`),
    one('Discord webhook URL', draw(URLSAFE, 68), (v) => `curl -X POST https://discord.com/api/webhooks/${draw(DIGITS, 18)}/${v} -d '{"content":"deploy ok"}'`),
    one('Discord client secret', draw(URLSAFE, 32), (v) => `DISCORD_CLIENT_SECRET: ${v}`),
    one('Microsoft Teams webhook', p(uuid(), '@', uuid(), '/IncomingWebhook/', draw(HEX, 32), '/', uuid()), (v) => `Teams connector: https://contoso.webhook.office.com/webhookb2/${v}`),
    one('Mattermost token', draw(LOWER_ALNUM, 26), (v) => `mattermost_token = "${v}"`),
    one('Telegram bot token', p(draw(DIGITS, 10), ':AA', draw(URLSAFE, 33)), (v) => `TELEGRAM_BOT=${v}`),
    one('Atlassian API token', p('ATATT3', draw(URLSAFE, 186)), (v) => `jira login --token ${v} fails`),
    one('Linear API key', p('lin_', 'api_', draw(ALNUM, 40)), (v) => `Our Linear integration uses ${v} for issue sync.`),
    one('Notion integration token', p('ntn_', draw(DIGITS, 11), draw(ALNUM, 35)), (v) => `const notion = new Client({ auth: "${v}" })`),
    one('Figma personal access token', p('fig', 'd_', draw(URLSAFE, 40)), (v) => `Figma REST calls use X-Figma-Token ${v}`),
    one('Asana client secret', draw(LOWER_ALNUM, 32), (v) => `asana_client_secret: ${v}`),
    one('Intercom access token', draw(URLSAFE, 60), (v) => `INTERCOM_TOKEN=${v}`),
    one('Zendesk API token', draw(LOWER_ALNUM, 40), (v) => `zendesk:\n  token: ${v}`),
    // Email and messaging.
    one('Mailgun private API key', p('ke', 'y-', draw(HEX, 32)), (v) => `my mailgun key is ${v}, why does every send return 401?`),
    one('Mailgun public validation key', p('pub', 'key-', draw(HEX, 32)), (v) => `MAILGUN_PUBLIC_KEY=${v}`),
    one('Mailgun webhook signing key', p(draw('abcdefgh0123456789', 32), '-', draw('abcdefgh0123456789', 8), '-', draw('abcdefgh0123456789', 8)), (v) => `mailgun webhook signing key: ${v}`),
    one('SendGrid API key', p('SG', '.', draw(URLSAFE, 22), '.', draw(URLSAFE, 43)), (v) => `Mail broke after I set the SendGrid key to ${v}.`),
    one('Sendinblue (Brevo) API key', p('xkey', 'sib-', draw(HEX, 64), '-', draw(ALNUM, 16)), (v) => `brevo: ${v}`),
    one('Mailchimp API key', p(draw(HEX, 32), '-us', draw(DIGITS, 2)), (v) => `mailchimp_api_key: ${v}`),
    one('Twilio API key', p('S', 'K', draw(HEX, 32)), (v) => `The Twilio API key ${v} cannot send SMS from the EU region.`),
    one('Twilio auth token', draw(HEX, 32), (v) => `TWILIO_AUTH_TOKEN=${v}`),
    one('MessageBird API key', draw(LOWER_ALNUM, 25), (v) => `messagebird_key = '${v}'`),
    one('Sendbird access token', draw(HEX, 40), (v) => `sendbird token: ${v}`),
    // Payments and commerce.
    one('Stripe live secret key', p('sk', '_live_', draw(ALNUM, 24)), (v) => `In production we use ${v} and get 401.`),
    one('Stripe restricted key', p('rk', '_live_', draw(ALNUM, 99)), (v) => `stripe.api_key = "${v}"`),
    one('Stripe test secret key', p('sk', '_test_', draw(ALNUM, 24)), (v) => `Works with ${v} locally.`),
    one('Stripe webhook secret', p('wh', 'sec_', draw(ALNUM, 32)), (v) => `Signature verification fails with the endpoint secret ${v}.`),
    one('Square access token', p('EAA', 'A', draw(URLSAFE, 60)), (v) => `Square sandbox: Authorization: Bearer ${v}`),
    one('Square OAuth secret', p('sq0', 'csp-', draw(URLSAFE, 43)), (v) => `The Square app secret ${v} is rejected.`),
    one('Shopify admin access token', p('shp', 'at_', draw(HEX, 32)), (v) => `X-Shopify-Access-Token ${v} returns 401 since the app was reinstalled`),
    one('Shopify shared secret', p('shp', 'ss_', draw(HEX, 32)), (v) => `Webhook HMAC uses ${v}.`),
    one('Shopify custom app token', p('shp', 'ca_', draw(HEX, 32)), (v) => `custom app: ${v}`),
    one('Shopify private app token', p('shp', 'pa_', draw(HEX, 32)), (v) => `legacy private app password ${v}`),
    one('Plaid access token', p('access-', 'production-', uuid()), (v) => `plaid_access_token: ${v}`),
    one('Plaid secret', draw(LOWER_ALNUM, 30), (v) => `PLAID_SECRET=${v}`),
    one('Flutterwave secret key', p('FLW', 'SECK_TEST-', draw('abcdefgh0123456789', 32), '-X'), (v) => `Flutterwave test key ${v}`),
    one('GoCardless access token', p('live_', draw(URLSAFE, 40)), (v) => `gocardless_access_token: ${v}`),
    one('Coinbase access token', draw(URLSAFE, 64), (v) => `coinbase_token=${v}`),
    one('Shippo API token', p('shippo', '_live_', draw(HEX, 40)), (v) => `shippo: ${v}`),
    one('EasyPost API key', p('EZ', 'AK', draw(ALNUM, 54)), (v) => `EasyPost production key ${v}`),
    one('Duffel API token', p('duffel', '_live_', draw(URLSAFE, 43)), (v) => `Duffel says unauthorized for ${v}`),
    one('Finicity app key', draw(HEX, 32), (v) => `finicity_app_key: ${v}`),
    // Source control, registries and CI.
    one('GitHub classic token', p('gh', 'p_', draw(ALNUM, 36)), (v) => `git push asks for a password, so I pasted ${v}`),
    one('GitHub OAuth token', p('gh', 'o_', draw(ALNUM, 36)), (v) => `The OAuth app returned ${v} as access_token`),
    one('GitHub fine-grained token', p('github', '_pat_', draw(ALNUM, 22), '_', draw(ALNUM, 59)), (v) => `The workflow clones with ${v}.`),
    one('GitHub app installation token', p('gh', 's_', draw(ALNUM, 36)), (v) => `The installation token ${v} expired after an hour.`),
    one('GitHub refresh token', p('gh', 'r_', draw(ALNUM, 36)), (v) => `refresh with ${v}`),
    one('GitLab personal access token', p('gl', 'pat-', draw(URLSAFE, 20)), (v) => `Runner registration fails with ${v}`),
    one('GitLab deploy token', p('gl', 'dt-', draw(URLSAFE, 20)), (v) => `docker login registry.gitlab.com -u deployer -p ${v}`),
    one('GitLab CI job token', p('gl', 'cbt-', draw(ALNUM, 2), '_', draw(URLSAFE, 20)), (v) => `CI_JOB_TOKEN was ${v} in the trace`),
    one('GitLab runner token', p('gl', 'rt-', draw(URLSAFE, 20)), (v) => `gitlab-runner register --token ${v}`),
    one('GitLab feed token', p('gl', 'ft-', draw(URLSAFE, 20)), (v) => `RSS feed URL ends with feed_token=${v}`),
    one('GitLab OAuth app secret', p('gl', 'oas-', draw(URLSAFE, 64)), (v) => `application secret ${v}`),
    one('npm access token', p('np', 'm_', draw(ALNUM, 36)), (v) => `//registry.npmjs.org/:_authToken=${v}`),
    one('PyPI upload token', p('pypi-', 'AgEIcHlwaS5vcmc', draw(URLSAFE, 120)), (v) => `twine upload -u __token__ -p ${v} dist/*`),
    one('RubyGems API key', p('ruby', 'gems_', draw(HEX, 48)), (v) => `gem push uses ${v}`),
    one('Clojars token', p('CLOJ', 'ARS_', draw(LOWER_ALNUM, 60)), (v) => `deploy token ${v}`),
    one('Artifactory API key', p('AK', 'Cp', draw(ALNUM, 69)), (v) => `jfrog rt ping --apikey ${v}`),
    one('JFrog identity token', draw(LOWER_ALNUM, 64), (v) => `ARTIFACTORY_ACCESS_TOKEN: ${v}`),
    one('Bitbucket client secret', draw(URLSAFE, 64), (v) => `bitbucket_secret = "${v}"`),
    one('Codecov token', draw(LOWER_ALNUM, 32), (v) => `codecov upload --token ${v}`),
    one('Drone CI token', draw(LOWER_ALNUM, 32), (v) => `DRONE_TOKEN=${v}`),
    one('Travis CI token', draw(LOWER_ALNUM, 22), (v) => `travis_api_token: ${v}`),
    one('Snyk token', uuid(), (v) => `SNYK_TOKEN=${v}`),
    one('SonarQube token', p('sq', 'p_', draw(HEX, 40)), (v) => `sonar.login=${v}`),
    one('Sourcegraph access token', p('sg', 'p_', draw(HEX, 16), '_', draw(HEX, 40)), (v) => `src login with ${v}`),
    one('Octopus Deploy API key', p('API', '-', draw(UPPER_ALNUM, 26)), (v) => `octo push --apiKey ${v}`),
    one('Harness PAT', p('pat', '.', draw(URLSAFE, 22), '.', draw(ALNUM, 24), '.', draw(ALNUM, 20)), (v) => `harness login --api-key ${v}`),
    one('Buildkite-style agent token in YAML', draw(HEX, 50), (v) => `agent:\n  token: "${v}"`),
    // Cloud providers and infrastructure.
    one('AWS access key id', p('AK', 'IA', draw(UPPER_ALNUM.replace(/[0189]/g, ''), 16)), (v) => `boto3 says InvalidClientTokenId for ${v}`),
    one('AWS temporary access key id', p('AS', 'IA', draw(UPPER_ALNUM.replace(/[0189]/g, ''), 16)), (v) => `the STS credentials start with ${v}`),
    one('AWS secret access key', draw(B64, 40), (v) => `[default]\naws_secret_access_key = ${v}`),
    one('GCP API key', p('AI', 'za', draw(URLSAFE, 35)), (v) => `Maps fails in prod with key ${v}`),
    one('Azure storage connection string', draw(B64, 86) + '==', (v) => `DefaultEndpointsProtocol=https;AccountName=prodlogs;AccountKey=${v};EndpointSuffix=core.windows.net`),
    one('Azure SAS token', encodeURIComponent(draw(B64, 43) + '='), (v) => `https://prodlogs.blob.core.windows.net/raw?sv=2022-11-02&sp=rwl&sig=${v}`),
    one('Azure AD client secret', p(draw(ALNUM, 3), draw(DIGITS, 1), 'Q~', draw(ALNUM, 34)), (v) => `az login --service-principal -u app -p ${v} --tenant contoso`),
    one('Alibaba Cloud AccessKey ID', p('LT', 'AI', draw(ALNUM, 20)), (v) => `aliyun configure set --access-key-id ${v}`),
    one('DigitalOcean personal access token', p('do', 'p_v1_', draw(HEX, 64)), (v) => `doctl auth init -t ${v}`),
    one('DigitalOcean OAuth token', p('do', 'o_v1_', draw(HEX, 64)), (v) => `The OAuth flow gave me ${v}`),
    one('DigitalOcean refresh token', p('do', 'r_v1_', draw(HEX, 64)), (v) => `refresh: ${v}`),
    one('Cloudflare API token', draw(URLSAFE, 40), (v) => `CLOUDFLARE_API_TOKEN=${v}`),
    one('Cloudflare origin CA key', p('v1', '.0-', draw(HEX, 24), '-', draw(HEX, 146)), (v) => `origin_ca_key: ${v}`),
    one('Heroku API key (v2)', p('HR', 'KU-AA', draw(URLSAFE, 58)), (v) => `heroku auth:token printed ${v}`),
    one('Heroku API key (UUID)', uuid(), (v) => `HEROKU_API_KEY=${v}`),
    one('Fly.io token', p('fo', '1_', draw(URLSAFE, 43)), (v) => `flyctl deploy -t ${v}`),
    one('Netlify token', draw(URLSAFE, 43), (v) => `NETLIFY_AUTH_TOKEN=${v}`),
    one('Terraform Cloud token', p(draw(LOWER_ALNUM, 14), '.atlas', 'v1.', draw(URLSAFE, 67)), (v) => `credentials "app.terraform.io" {\n  token = "${v}"\n}`),
    one('HashiCorp Vault service token', p('hv', 's.', draw(URLSAFE, 95)), (v) => `VAULT_TOKEN=${v} vault kv get secret/app`),
    one('HashiCorp Vault batch token', p('hv', 'b.', draw(URLSAFE, 150)), (v) => `batch token: ${v}`),
    one('Doppler token', p('dp', '.pt.', draw(ALNUM, 43)), (v) => `doppler run --token ${v} -- npm start`),
    one('Pulumi access token', p('pu', 'l-', draw(HEX, 40)), (v) => `pulumi login uses ${v}`),
    one('PlanetScale password', p('pscale', '_pw_', draw(URLSAFE, 43)), (v) => `mysql://app:${v}@aws.connect.psdb.cloud/db`),
    one('PlanetScale service token', p('pscale', '_tkn_', draw(URLSAFE, 43)), (v) => `pscale auth --service-token ${v}`),
    one('Databricks token', p('da', 'pi', draw(HEX, 32)), (v) => `databricks configure --token, then paste ${v}`),
    one('Confluent secret', draw(LOWER_ALNUM, 64), (v) => `confluent_secret: ${v}`),
    one('ClickHouse Cloud key secret', p('4b1', 'd', draw(ALNUM, 38)), (v) => `clickhouse key secret ${v}`),
    one('OpenShift user token', p('sha', '256~', draw(URLSAFE, 43)), (v) => `oc login --token=${v} --server=https://api.ocp.internal:6443`),
    one('Scalingo token', p('tk', '-us-', draw(URLSAFE, 48)), (v) => `scalingo login --api-token ${v}`),
    one('Defined Networking token', p('dn', 'key-', draw(URLSAFE, 26), '-', draw(URLSAFE, 52)), (v) => `dnkey: ${v}`),
    one('1Password service account token', p('op', 's_eyJ', draw(B64, 280)), (v) => `OP_SERVICE_ACCOUNT_TOKEN=${v}`),
    one('1Password secret key', p('A3', '-', draw(UPPER_ALNUM, 6), '-', draw(UPPER_ALNUM, 11), '-', draw(UPPER_ALNUM, 5), '-', draw(UPPER_ALNUM, 5), '-', draw(UPPER_ALNUM, 5)), (v) => `Emergency kit: ${v}`),
    one('age secret key', p('AGE-SECRET', '-KEY-1', draw('QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L', 58)), (v) => `sops uses ${v}`),
    one('Kubernetes service-account JWT', jwt, (v) => `kubectl --token ${v} get pods`),
    // Observability.
    one('Datadog API key', draw(HEX, 32), (v) => `DD_API_KEY=${v}`),
    one('Datadog application key', draw(LOWER_ALNUM, 40), (v) => `datadog:\n  app_key: ${v}`),
    one('New Relic user API key', p('NR', 'AK-', draw(UPPER_ALNUM, 27)), (v) => `newrelic_api_key = "${v}"`),
    one('New Relic insert key', p('NR', 'II-', draw(URLSAFE, 32)), (v) => `NEW_RELIC_INSERT_KEY: ${v}`),
    one('New Relic browser key', p('NR', 'JS-', draw(HEX, 19)), (v) => `new_relic_browser_key='${v}'`),
    one('Sentry user auth token', p('sn', 'tryu_', draw(HEX, 64)), (v) => `sentry-cli login --auth-token ${v}`),
    one('Sentry org auth token', p('sn', 'trys_', 'eyJpYXQiO', draw(ALNUM, 30), 'LCJyZWdpb25fdXJs', draw(ALNUM, 40), '_', draw(ALNUM, 43)), (v) => `SENTRY_AUTH_TOKEN=${v}`),
    one('Grafana service account token', p('gl', 'sa_', draw(ALNUM, 32), '_', draw(HEX, 8)), (v) => `grafana token ${v}`),
    one('Grafana Cloud token', p('gl', 'c_', draw(B64, 100)), (v) => `GRAFANA_CLOUD_TOKEN: ${v}`),
    one('Dynatrace token', p('dt0', 'c01.', draw(UPPER_ALNUM, 24), '.', draw(UPPER_ALNUM, 64)), (v) => `Api-Token ${v}`),
    one('Sumo Logic access key', draw(ALNUM, 64), (v) => `SUMO_ACCESS_KEY=${v}`),
    one('Okta API token', p('00', draw(URLSAFE, 40)), (v) => `okta:\n  apiToken: ${v}`),
    one('Postman API key', p('PM', 'AK-', draw(HEX, 24), '-', draw(HEX, 34)), (v) => `newman run --postman-api-key ${v}`),
    one('LaunchDarkly SDK key', p('sdk-', uuid()), (v) => `launchdarkly_sdk_key: ${v}`),
    one('Prefect API key', p('pn', 'u_', draw(ALNUM, 36)), (v) => `prefect cloud login -k ${v}`),
    // AI providers.
    one('OpenAI project key', p('sk', '-proj-', draw(URLSAFE, 74), 'T3Blbk', 'FJ', draw(URLSAFE, 74)), (v) => `I exported ${v} but the SDK still says no key.`),
    one('OpenAI legacy key', p('sk', '-', draw(ALNUM, 20), 'T3Blbk', 'FJ', draw(ALNUM, 20)), (v) => `Revoked? ${v}`),
    one('Anthropic API key', p('sk', '-ant-api03-', draw(URLSAFE, 93), 'AA'), (v) => `Our Claude integration reads ${v} at boot.`),
    one('Anthropic admin key', p('sk', '-ant-admin01-', draw(URLSAFE, 93), 'AA'), (v) => `admin key ${v}`),
    one('Hugging Face token', p('h', 'f_', draw(UPPER + LOWER, 34)), (v) => `huggingface-cli login accepted ${v}`),
    one('Hugging Face org token', p('api', '_org_', draw(UPPER + LOWER, 34)), (v) => `org token ${v}`),
    one('Groq API key', p('gs', 'k_', draw(ALNUM, 52)), (v) => `Swap the Groq key (${v}).`),
    one('Perplexity API key', p('pp', 'lx-', draw(ALNUM, 48)), (v) => `Perplexity returns 401 for ${v}`),
    one('Cohere API key', draw(ALNUM, 40), (v) => `CO_API_KEY=${v}`),
    one('Replicate API token', p('r', '8_', draw(ALNUM, 37)), (v) => `export REPLICATE_API_TOKEN=${v}`),
    // Everything else.
    one('JWT', jwt, (v) => `Can you decode this session token: ${v}`),
    one('Postgres URL password', `${draw(ALNUM, 10)}!${draw(DIGITS, 2)}`, (v) => `DATABASE_URL=postgres://app_user:${v}@db.internal:5432/orders`),
    one('Redis URL password', draw(ALNUM, 20), (v) => `broker redis://:${v}@cache.internal:6379/0 hangs`),
    one('Password in a .env file', draw(ALNUM, 16), (v) => `DB_PASSWORD=${v}`),
    one('Password in JSON', `${draw(ALNUM, 12)}#${draw(DIGITS, 2)}`, (v) => `{"username": "ops", "password": "${v}"}`),
    one('Dropbox short-lived token', p('sl', '.', draw(URLSAFE, 135)), (v) => `dropbox_access_token = "${v}"`),
    one('Mapbox secret token', p('sk', '.eyJ', draw(ALNUM, 56), '.', draw(URLSAFE, 22)), (v) => `MAPBOX_DOWNLOADS_TOKEN=${v}`),
    one('Facebook page access token', p('EA', 'AC', draw(ALNUM, 120)), (v) => `Graph API call with access_token=${v}`),
    one('Twitter bearer token', p('A'.repeat(22), draw(ALNUM, 90)), (v) => `twitter_bearer_token: ${v}`),
    one('Typeform token', p('tf', 'p_', draw(URLSAFE, 59)), (v) => `typeform_token = ${v}`),
    one('ReadMe API key', p('rd', 'me_', draw(LOWER_ALNUM, 70)), (v) => `readme openapi --key ${v}`),
    one('MaxMind license key', p(draw(ALNUM, 6), '_', draw(ALNUM, 29), '_mmk'), (v) => `GeoIP.conf LicenseKey ${v}`),
    one('Infracost API key', p('ic', 'o-', draw(ALNUM, 32)), (v) => `infracost configure set api_key ${v}`),
    one('Frame.io token', p('fio', '-u-', draw(URLSAFE, 64)), (v) => `frameio ${v}`),
    one('Yandex API key', p('AQ', 'VN', draw(URLSAFE, 36)), (v) => `yandex_api_key: ${v}`),
    one('Algolia admin key', draw(LOWER_ALNUM, 32), (v) => `ALGOLIA_ADMIN_KEY=${v}`),
    one('Airtable API key', p('key', draw(ALNUM, 14)), (v) => `airtable_api_key: ${v}`),
    one('Contentful delivery token', draw(URLSAFE, 43), (v) => `contentful_delivery_token: ${v}`),
    one('Adafruit IO key', p('aio_', draw(ALNUM, 28)), (v) => `ADAFRUIT_IO_KEY=${v}`),
    one('Bearer token in a curl command', draw(URLSAFE, 40), (v) => `curl -H "Authorization: Bearer ${v}" https://internal.example.com/api/jobs`),
  ];
}

export function realFormatSecrets(): FormatCase[] {
  return [...pemBlocks(), ...vendorTokens()];
}

/** Look-alikes beyond the plugin's own 50 (plugins/guardrail-hide-secrets/test/secret-corpus.ts). */
export function moreLookAlikes(): LookAlikeCase[] {
  const sha = () => draw(HEX, 40);
  const docsAwsId = p('AKIA', 'IOSFODNN7', 'EXAMPLE');
  return [
    { name: 'UUIDs in a log line', text: `request ${uuid()} retried as ${uuid()} after 502` },
    { name: 'UUID primary key', text: `SELECT * FROM orders WHERE id = '${uuid()}';` },
    { name: 'git SHA in a revert', text: `This reverts commit ${sha()}.` },
    { name: 'two git SHAs in a range', text: `git log ${sha()}..${sha()} --oneline` },
    { name: 'short SHAs', text: `fixed in ${draw(HEX, 7)} and ${draw(HEX, 7)}, see the PR` },
    { name: 'sha1 checksum', text: `sha1sum: ${sha()}  release.tar.gz` },
    { name: 'sha512 checksum', text: `integrity sha512-${Buffer.from(draw(HEX, 64), 'hex').toString('base64')}` },
    { name: 'docker image digest', text: `image: ghcr.io/acme/api@sha256:${draw(HEX, 64)}` },
    { name: 'base64 of a sentence', text: `echo ${Buffer.from('the quick brown fox jumps over the lazy dog').toString('base64')} | base64 -d` },
    { name: 'base64 of JSON config', text: `data: ${Buffer.from('{"replicas":3,"region":"eu-west-1"}').toString('base64')}` },
    { name: 'hex colours', text: 'palette: #1e293b, #0ea5e9, #f43f5e, #22c55e and #eab308' },
    { name: 'hex colour variables', text: '--accent: #ff00aa; --border: #1a2b3c; --muted: #94a3b8;' },
    { name: 'file paths', text: 'Edit /etc/nginx/sites-available/default and ~/.config/app/settings.json' },
    { name: 'Windows paths', text: 'C:\\Program Files\\Acme\\bin\\acme-agent.exe failed to start' },
    { name: 'version strings', text: 'node v20.11.1, npm 10.2.4, typescript 5.4.5, @types/node 20.12.7' },
    { name: 'semver ranges', text: '"dependencies": { "fastify": "^5.12.0", "pino": "~10.4.0" }' },
    { name: 'masked password', text: 'password: ********' },
    { name: 'masked token in a UI', text: 'API token: sk-••••••••••••3f9a (created 2 days ago)' },
    { name: 'elided key', text: 'OPENAI_API_KEY=sk-xxxx' },
    { name: 'AWS documentation access key', text: `aws_access_key_id = ${docsAwsId}` },
    { name: 'AWS documentation secret', text: `aws_secret_access_key = ${p('wJalrXUtnFEMI', '/K7MDENG/bPxRfiCY', 'EXAMPLEKEY')}` },
    { name: 'placeholder in docs', text: 'export STRIPE_API_KEY=<your-stripe-key>' },
    { name: 'placeholder word', text: 'SENDGRID_API_KEY=your_sendgrid_api_key_here' },
    { name: 'env reference', text: 'token: ${{ secrets.GITHUB_TOKEN }}' },
    { name: 'shell variable', text: 'curl -H "Authorization: Bearer $API_TOKEN" https://api.example.com' },
    { name: 'URL without credentials', text: 'https://github.com/acme/api/pull/1234/files#diff-1a2b3c' },
    { name: 'URL with a query', text: 'https://www.google.com/search?q=how+to+rotate+keys&hl=en' },
    { name: 'S3 URL', text: 's3://acme-data-lake/raw/2024/05/01/events-000123.parquet' },
    { name: 'product codes', text: 'SKU ACME-PRO-2024-XL-BLK-0042, order ORD-2024-000123456' },
    { name: 'long product key', text: 'license: community edition, build 24.1.7-20240501-linux-x64' },
    { name: 'ISBN and serial', text: 'ISBN 978-3-16-148410-0, serial number SN-8842-1190-2231' },
    { name: 'IBAN-like account', text: 'Pay to DE89 3704 0044 0532 0130 00 by Friday' },
    { name: 'credit-card test number words', text: 'Use the card 4242 4242 4242 4242 with any future date.' },
    { name: 'IPv6 address', text: 'listen [2001:db8:85a3::8a2e:370:7334]:8443' },
    { name: 'MAC address', text: 'the NIC 00:1A:2B:3C:4D:5E dropped off the network' },
    { name: 'cron expression', text: 'schedule: "*/15 2-5 * * 1-5"' },
    { name: 'CSS class soup', text: '<div class="flex items-center justify-between px-4 py-2 md:px-8">' },
    { name: 'camelCase identifiers', text: 'getAccessTokenFromRefreshToken() calls validateTokenSignature()' },
    { name: 'snake_case constants', text: 'MAX_TOKEN_COUNT = 4096\nTOKEN_REFRESH_INTERVAL_SECONDS = 3600' },
    { name: 'secret manager name', text: 'aws secretsmanager get-secret-value --secret-id prod/api/stripe' },
    { name: 'Kubernetes secret name', text: 'kubectl create secret generic db-credentials --from-env-file=.env' },
    { name: 'Vault path', text: 'vault kv get -field=password secret/data/postgres/app' },
    { name: 'password policy prose', text: 'Passwords must be at least 12 characters and contain a digit.' },
    { name: 'token counting', text: 'The prompt used 1832 tokens and the completion 412 tokens.' },
    { name: 'OAuth flow description', text: 'Exchange the authorization code for an access token, then store the refresh token.' },
    { name: 'JWT described', text: 'A JWT has three parts: header.payload.signature, each base64url encoded.' },
    { name: 'Slack channel ids', text: 'post to channel C024BE91L in workspace T0001 as user U0G9QF9C6' },
    { name: 'Discord snowflake ids', text: 'guild 197038439483310086 channel 197038439483310087' },
    { name: 'Stripe object ids', text: 'customer cus_NffrFeUfNV2Hib paid invoice in_1MtHbELkdIwHu7ixl4OzzPMv' },
    { name: 'Stripe publishable key mention', text: 'The publishable key starts with pk_live_ and is safe to ship to browsers.' },
    { name: 'GitHub URLs and refs', text: 'see refs/heads/feature/rotate-keys and github.com/acme/api/issues/42' },
    { name: 'npm package names', text: 'npm i @aws-sdk/client-secrets-manager @azure/keyvault-secrets' },
    { name: 'Docker tag', text: 'docker pull postgres:16.2-alpine3.19' },
    { name: 'timestamps', text: '2024-05-01T10:15:30.123456Z 1714558530 1714558530123' },
    { name: 'phone and email', text: 'Call +44 20 7946 0958 or write to security@example.com' },
    { name: 'random-looking words', text: 'Antidisestablishmentarianism and pneumonoultramicroscopicsilicovolcanoconiosis are long words.' },
    { name: 'Lorem ipsum', text: 'Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor.' },
    { name: 'Markdown table', text: '| key | value |\n|---|---|\n| region | eu-west-1 |\n| tier | standard |' },
    { name: 'SQL with password column', text: 'ALTER TABLE users ADD COLUMN password_hash TEXT NOT NULL;' },
    { name: 'bcrypt cost', text: 'bcrypt rounds=12 gives about 250 ms per hash on this box' },
    { name: 'regex for keys', text: 'const KEY_PATTERN = /^sk-[A-Za-z0-9]{48}$/;' },
    { name: 'Python type hints with secrets', text: 'def rotate(secret_id: str, new_secret: SecretStr) -> None:' },
    { name: 'YAML with references', text: 'apiKey:\n  valueFrom:\n    secretKeyRef:\n      name: openai\n      key: api-key' },
    { name: 'Terraform variable', text: 'variable "db_password" {\n  type      = string\n  sensitive = true\n}' },
    { name: 'Helm template', text: 'password: {{ .Values.postgres.password | quote }}' },
    { name: 'GitHub Actions secret use', text: 'env:\n  NPM_TOKEN: ${{ secrets.NPM_TOKEN }}' },
    { name: 'dotenv example', text: 'DATABASE_URL=postgres://user:password@localhost:5432/app' },
    { name: 'keyboard keys', text: 'Press Ctrl+Shift+P, then type "Preferences: Open Keyboard Shortcuts"' },
    { name: 'music key', text: 'The piece is in the key of D minor, with a passage in F sharp.' },
    { name: 'authentication error', text: 'Error: authentication failed (code=AUTH_INVALID_CREDENTIALS, retryable=false)' },
    { name: 'HTTP headers without values', text: 'Access-Control-Allow-Headers: Authorization, Content-Type, X-Api-Key' },
    { name: 'OpenAPI security scheme', text: 'securitySchemes:\n  bearerAuth:\n    type: http\n    scheme: bearer\n    bearerFormat: JWT' },
    { name: 'Base32 TOTP description', text: 'TOTP secrets are base32, usually 16 or 32 characters from A-Z and 2-7.' },
    { name: 'Request id header', text: 'x-request-id: req_8a7b6c5d4e3f2a1b' },
    { name: 'OpenAI response ids', text: 'chatcmpl-9fR2kLmN8pQ4sT6vX1yZ3a and file-abc123 were created' },
    { name: 'Anthropic message id', text: 'msg_01XFDUDYJgAACzvnptvVoYEL finished with stop_reason end_turn' },
    { name: 'Azure resource id', text: '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-prod' },
    { name: 'ARN', text: 'arn:aws:iam::123456789012:role/service-role/lambda-exec' },
    { name: 'GCP project and email', text: 'billing-prod-421907 uses etl@billing-prod.iam.gserviceaccount.com' },
    { name: 'public key PEM', text: `-----BEGIN ${p('PUBLIC', ' KEY')}-----\n${wrap(Buffer.from('not a secret, a public key stand-in '.repeat(3)).toString('base64'), 64)}\n-----END ${p('PUBLIC', ' KEY')}-----` },
    { name: 'certificate PEM header', text: '-----BEGIN CERTIFICATE----- ... -----END CERTIFICATE----- (chain truncated)' },
    { name: 'ssh public key', text: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBmG7c9Xk2 deploy@ci' },
    { name: 'known_hosts fingerprint', text: 'SHA256:nThbg6kXUpJWGl7E1IGOCspRomTxdCARLviKw6E5SY8 github.com' },
    { name: 'hash in a lockfile', text: 'resolved "https://registry.npmjs.org/pino/-/pino-10.4.0.tgz#3f1a2b"' },
    { name: 'math', text: 'x = (a + b) * c / d - 0.5e-3; y = x ** 2 % 7' },
    { name: 'JSON with numbers', text: '{"max_tokens": 2048, "temperature": 0.2, "top_p": 0.95, "seed": 1234567}' },
    { name: 'log with levels', text: '[INFO] token refresh scheduled in 3600s; [WARN] key rotation overdue by 2 days' },
    { name: 'Go struct tags', text: 'Password string `json:"password" validate:"required,min=12"`' },
    { name: 'Java annotations', text: '@Value("${spring.datasource.password}") private String password;' },
    { name: 'C# configuration', text: 'var key = Configuration["Stripe:SecretKey"];' },
    { name: 'PHP env lookup', text: "'key' => env('APP_KEY'),\n'cipher' => 'AES-256-CBC'," },
    { name: 'Ruby credentials lookup', text: 'Rails.application.credentials.dig(:aws, :secret_access_key)' },
    { name: 'shell read', text: 'read -s -p "Password: " PASSWORD && export PASSWORD' },
    { name: 'empty assignments', text: 'API_KEY=\nSECRET_KEY=\nTOKEN=' },
    { name: 'boolean flags', text: 'require_token: true\nallow_anonymous: false\nrotate_keys: yes' },
    { name: 'Jira ticket keys', text: 'Fixed in SEC-1234 and OPS-5678, see PLAT-42' },
    { name: 'long base36 id', text: 'tracking number 1Z999AA10123456784 delivered' },
    { name: 'Bitcoin-like prose', text: 'wallet addresses look like bc1 followed by lowercase letters and digits' },
    { name: 'word lists', text: 'apple banana cherry delta echo foxtrot golf hotel india juliet kilo lima' },
    { name: 'HTML entities', text: '&lt;script&gt;alert(&quot;hi&quot;)&lt;/script&gt;' },
    { name: 'URL-encoded text', text: 'q=hello%20world%21&lang=en-GB&page=2' },
    // Vendor names next to ids that are not secrets: where keyword-triggered rules could misfire.
    { name: 'Sourcegraph and a commit', text: `Sourcegraph indexed commit ${sha()} of the monorepo.` },
    { name: 'Heroku app id', text: `heroku apps:info shows id: ${uuid()}` },
    { name: 'Datadog trace id', text: `datadog trace_id: 7261943859104826713, span_id: 1180226475910347` },
    { name: 'Twitter status id', text: 'twitter status: 1790012345678901234 was deleted' },
    { name: 'Discord user id', text: 'discord user id = 197038439483310086' },
    { name: 'Mailgun domain', text: 'mailgun domain: mg.example.com, region: eu' },
    { name: 'Okta org URL', text: 'okta: https://dev-123456.okta.com/oauth2/default' },
    { name: 'Linear issue', text: 'linear: ENG-1234 blocks ENG-1240' },
    { name: 'GitLab project path', text: 'gitlab: group/subgroup/project, pipeline #123456789' },
    { name: 'Cloudflare zone id', text: `cloudflare zone: ${draw(HEX, 32)}` },
    { name: 'Sentry DSN without secret', text: 'sentry dsn: https://o123456.ingest.sentry.io/4504 (public key removed)' },
    { name: 'New Relic account id', text: 'newrelic account: 3456789' },
  ];
}
