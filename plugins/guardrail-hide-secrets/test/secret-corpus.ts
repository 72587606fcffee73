/**
 * The redaction corpus: secrets in the formats people paste into prompts, each inside a sentence,
 * and look-alikes that must come through untouched. Secret values are generated from a seeded
 * generator when the test runs, so this file holds no credential-shaped literal (repository
 * secret scanners stay quiet) and a failure is reproducible.
 */
import { generateKeyPairSync } from 'node:crypto';
import type { DetectorName } from '../src/redact-secrets.js';

export interface SecretCase {
  name: string;
  /** The text as the client sends it. */
  text: string;
  /** The secret value that must not reach the provider. */
  secret: string;
  /** The text the provider must receive. */
  expected: string;
  /** The detector name the warning must give (LiteLLM / detect-secrets naming). */
  type: DetectorName;
}

export interface LookAlike {
  name: string;
  text: string;
}

/** mulberry32: a tiny deterministic PRNG, enough to draw token characters. */
function seeded(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
export const LOWER = 'abcdefghijklmnopqrstuvwxyz';
export const DIGITS = '0123456789';
export const ALNUM = UPPER + LOWER + DIGITS;
export const HEX = '0123456789abcdef';
export const B64 = ALNUM + '+/';
export const URLSAFE = ALNUM + '-_';

/**
 * A seeded source of token bodies: `draw(alphabet, length)` gives `length` characters of
 * `alphabet`, with at least one digit and one letter when the alphabet has both (as random tokens do).
 */
export function tokenDrawer(seed: number): (alphabet: string, length: number) => string {
  const random = seeded(seed);
  return (alphabet, length) => {
    for (;;) {
      let s = '';
      for (let i = 0; i < length; i++) s += alphabet[Math.floor(random() * alphabet.length)];
      const wantsMix = /\d/.test(alphabet) && /[A-Za-z]/.test(alphabet);
      if (!wantsMix || (/\d/.test(s) && /[A-Za-z]/.test(s))) return s;
    }
  };
}

const draw = tokenDrawer(20240611);

const b64url = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

function secretCase(name: string, type: DetectorName, secret: string, sentence: (value: string) => string): SecretCase {
  return { name, type, text: sentence(secret), secret, expected: sentence('[REDACTED]') };
}

/** A PEM body: the part between the BEGIN and END lines. */
function pemBody(pem: string): string {
  return pem.trim().split('\n').slice(1, -1).join('\n');
}

export function secretCases(): SecretCase[] {
  const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
  const ec = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey.export({ type: 'sec1', format: 'pem' }).toString();
  const ed = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const jwt = `${b64url({ alg: 'HS256', typ: 'JWT' })}.${b64url({ sub: '1234567890', name: 'Dana Ortiz', iat: 1717691639 })}.${draw(URLSAFE, 43)}`;
  const pgPassword = draw(ALNUM, 10) + '!' + draw(DIGITS, 2);
  const azureKey = draw(B64, 86) + '==';
  const sasSig = encodeURIComponent(draw(B64, 43) + '=');
  const mailchimpHex = draw(HEX, 32);

  return [
    // The two examples of the LiteLLM docs (the contract).
    secretCase('keyword: spec example, quoted', 'Secret Keyword', 'sk_1234567890abcdef', (v) => `Hey, how's it going, API_KEY = '${v}'`),
    secretCase('keyword: spec example, bare', 'Secret Keyword', 'sk-1234998222', (v) => `what is the value of my open ai key? openai_api_key=${v}`),
    // Vendor formats.
    secretCase('OpenAI legacy key', 'Strict OpenAI API Key', `sk-${draw(ALNUM, 20)}T3BlbkFJ${draw(ALNUM, 20)}`, (v) => `My script fails with 401 even though I pass ${v} to the client, is it revoked?`),
    secretCase('OpenAI project key', 'Strict OpenAI API Key', `sk-proj-${draw(URLSAFE, 120)}`, (v) => `I ran export OPENAI_API_KEY="${v}" in zsh but the SDK still says no key.`),
    secretCase('OpenAI service-account key', 'Strict OpenAI API Key', `sk-svcacct-${draw(URLSAFE, 96)}`, (v) => `The CI job uses the service account key ${v} to call the batch API.`),
    secretCase('Anthropic key', 'Anthropic API Key', `sk-ant-api03-${draw(URLSAFE, 93)}AA`, (v) => `Our Claude integration reads ${v} from the vault at boot.`),
    secretCase('Groq key', 'Groq API Key', `gsk_${draw(ALNUM, 52)}`, (v) => `Swap the Groq key (${v}) for the new one after the rotation.`),
    secretCase('AWS access key id', 'AWS Access Key', `AKIA${draw(UPPER + DIGITS, 16)}`, (v) => `Why does boto3 say InvalidClientTokenId for access key ${v}?`),
    secretCase('AWS secret access key', 'AWS Access Key', draw(B64, 40), (v) => `My ~/.aws/credentials has aws_secret_access_key = ${v} under [default].`),
    secretCase('GitHub classic token', 'GitHub Token', `ghp_${draw(ALNUM, 36)}`, (v) => `git push asks for a password, so I pasted ${v} and it worked once.`),
    secretCase('GitHub fine-grained token', 'GitHub Token', `github_pat_${draw(ALNUM, 22)}_${draw(ALNUM, 59)}`, (v) => `The workflow clones with https and the token ${v}.`),
    secretCase('GitHub app token', 'GitHub Token', `ghs_${draw(ALNUM, 36)}`, (v) => `The installation token ${v} expired after an hour, is that expected?`),
    secretCase('GitLab token', 'GitLab Secret', `glpat-${draw(URLSAFE, 20)}`, (v) => `Runner registration fails; I used ${v} as the personal access token.`),
    secretCase('Google API key', 'GCP API Key', `AIza${draw(URLSAFE, 35)}`, (v) => `Maps loads locally but not in prod with key ${v}; referrer restrictions?`),
    secretCase('Slack bot token', 'Slack Secret', `xoxb-${draw(DIGITS, 12)}-${draw(DIGITS, 13)}-${draw(ALNUM, 24)}`, (v) => `chat.postMessage returns not_in_channel with ${v}.`),
    secretCase('Slack webhook', 'Slack Secret', `T${draw(UPPER + DIGITS, 10)}/B${draw(UPPER + DIGITS, 10)}/${draw(ALNUM, 24)}`, (v) => `Alerts go to https://hooks.slack.com/services/${v} but nothing arrives.`),
    secretCase('Stripe secret key', 'Stripe Access Key', `sk_live_${draw(ALNUM, 24)}`, (v) => `Checkout works in test mode; in production we use ${v} and get 401.`),
    secretCase('Stripe webhook secret', 'Stripe Access Key', `whsec_${draw(ALNUM, 32)}`, (v) => `Signature verification fails with the endpoint secret ${v}.`),
    secretCase('Twilio API key', 'Twilio API Key', `SK${draw(HEX, 32)}`, (v) => `The Twilio API key ${v} cannot send SMS from the EU region.`),
    secretCase('SendGrid key', 'SendGrid API Token', `SG.${draw(URLSAFE, 22)}.${draw(URLSAFE, 43)}`, (v) => `Mail sending broke after I replaced the SendGrid key with ${v}.`),
    secretCase('npm token', 'NPM tokens', `npm_${draw(ALNUM, 36)}`, (v) => `npm publish says 403 although NPM_TOKEN is ${v} in the CI settings.`),
    secretCase('Hugging Face token', 'Hugging Face Token', `hf_${draw(UPPER + LOWER, 34)}`, (v) => `huggingface-cli login accepted ${v} but downloads of the gated model fail.`),
    secretCase('JWT', 'JSON Web Token', jwt, (v) => `Can you decode this session token and tell me when it expires: ${v}`),
    secretCase('Square OAuth secret', 'Square OAuth Secret', `sq0csp-${draw(URLSAFE, 43)}`, (v) => `The Square app secret ${v} is rejected by the token endpoint.`),
    secretCase('Mailchimp key', 'Mailchimp Access Key', mailchimpHex, (v) => `Our newsletter sync uses the Mailchimp key ${v}-us6 and times out.`),
    secretCase('RSA private key (PEM)', 'Private Key', pemBody(rsa), (v) => `Is this deploy key valid?\n-----BEGIN RSA PRIVATE KEY-----\n${v}\n-----END RSA PRIVATE KEY-----\nssh rejects it.`),
    secretCase('EC private key (PEM)', 'Private Key', pemBody(ec), (v) => `Here is the signing key from the old server:\n-----BEGIN EC PRIVATE KEY-----\n${v}\n-----END EC PRIVATE KEY-----`),
    secretCase('PKCS#8 key in a JSON service account', 'Private Key', pemBody(ed).split('\n').join('\\n'), (v) => `{"type": "service_account", "private_key": "-----BEGIN PRIVATE KEY-----\\n${v}\\n-----END PRIVATE KEY-----\\n", "client_email": "bot@proj.iam.gserviceaccount.com"}`),
    // Credentials inside URLs and connection strings.
    secretCase('Postgres URL password', 'Basic Auth Credentials', pgPassword, (v) => `DATABASE_URL=postgres://app_user:${v}@db.internal:5432/orders times out from the worker.`),
    secretCase('MongoDB SRV password', 'Basic Auth Credentials', draw(ALNUM, 16), (v) => `Atlas rejects mongodb+srv://reporting:${v}@cluster0.x1y2z.mongodb.net/analytics?retryWrites=true`),
    secretCase('Redis password without user', 'Basic Auth Credentials', draw(ALNUM, 20), (v) => `Celery is configured with broker redis://:${v}@cache.internal:6379/0 and hangs.`),
    secretCase('Basic auth in a git URL', 'Basic Auth Credentials', draw(ALNUM, 14), (v) => `Cloning https://deploy-bot:${v}@git.example.org/platform/infra.git fails on the runner.`),
    secretCase('Azure storage account key', 'Azure Storage Account access key', azureKey, (v) => `DefaultEndpointsProtocol=https;AccountName=prodlogs;AccountKey=${v};EndpointSuffix=core.windows.net`),
    secretCase('Azure SAS signature', 'Azure SAS Token', sasSig, (v) => `Uploads to https://prodlogs.blob.core.windows.net/raw?sv=2022-11-02&ss=b&srt=co&sp=rwl&se=2025-01-01T00:00:00Z&sig=${v} return 403.`),
    // Secret Keyword: values recognised by the name they are given.
    secretCase('JSON password field', 'Secret Keyword', `${draw(ALNUM, 12)}#${draw(DIGITS, 2)}`, (v) => `The login request body is {"username": "ops", "password": "${v}"} and it returns 401.`),
    secretCase('.env password', 'Secret Keyword', draw(ALNUM, 18), (v) => `My .env has DB_PASSWORD=${v} and the container cannot connect.`),
    secretCase('YAML client secret', 'Secret Keyword', `${draw(ALNUM, 8)}~${draw(ALNUM, 24)}`, (v) => `oauth:\n  client_id: web-portal\n  client_secret: ${v}\n  scopes: [openid, email]`),
    secretCase('Kubernetes env entry', 'Secret Keyword', `${draw(ALNUM, 12)}!${draw(DIGITS, 3)}`, (v) => `env:\n  - name: SMTP_PASSWORD\n    value: "${v}"\n  - name: SMTP_HOST\n    value: mail.internal`),
    secretCase('Authorization header', 'Secret Keyword', draw(URLSAFE, 40), (v) => `curl -H "Authorization: Bearer ${v}" https://internal.example.com/api/v2/jobs returns 403`),
    secretCase('x-api-key header', 'Secret Keyword', draw(HEX, 40), (v) => `The vendor expects the header x-api-key: ${v} on every call.`),
    secretCase('CLI token flag', 'Secret Keyword', `hvs.${draw(ALNUM, 24)}`, (v) => `vault login --token ${v} works but the agent does not.`),
    secretCase('password in prose', 'Secret Keyword', `Tr0ub4dor&${draw(DIGITS, 2)}`, (v) => `I keep forgetting it, my password is ${v} for the staging admin.`),
    secretCase('PGPASSWORD', 'Secret Keyword', draw(ALNUM, 16), (v) => `Running PGPASSWORD=${v} psql -h db.internal -U app prints nothing.`),
    secretCase('Python keyword argument', 'Secret Keyword', draw(ALNUM, 20), (v) => `client = Client(host="mq.internal", password="${v}", tls=True)`),
    secretCase('Go short assignment', 'Secret Keyword', draw(ALNUM, 32), (v) => `func main() {\n\tapiKey := "${v}"\n\tfmt.Println(call(apiKey))\n}`),
    secretCase('.npmrc auth token', 'Secret Keyword', `${draw(HEX, 8)}-${draw(HEX, 4)}-4${draw(HEX, 3)}-a${draw(HEX, 3)}-${draw(HEX, 12)}`, (v) => `//registry.npmjs.org/:_authToken=${v}`),
    secretCase('Service Bus shared access key', 'Secret Keyword', draw(B64, 43) + '=', (v) => `Endpoint=sb://orders.servicebus.windows.net/;SharedAccessKeyName=send;SharedAccessKey=${v}`),
    secretCase('Twilio auth token variable', 'Secret Keyword', draw(HEX, 32), (v) => `Set TWILIO_AUTH_TOKEN=${v} in the function environment.`),
    secretCase('Spring datasource password', 'Secret Keyword', draw(ALNUM, 14), (v) => `application.properties: spring.datasource.password=${v}`),
  ];
}

export function lookAlikes(): LookAlike[] {
  return [
    { name: 'UUID', text: 'The failing request id was 3f2b8c1e-9a4d-4e6f-b1c2-7d8e9f0a1b2c, can you find it in the logs?' },
    { name: 'git SHA', text: 'The regression came in with commit 9f2c1e7ab04d3e5f6a7b8c9d0e1f2a3b4c5d6e7f on main.' },
    { name: 'sha256 in prose', text: 'The artifact checksum is e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855, does it match?' },
    { name: 'md5 in prose', text: 'md5 of the empty file is d41d8cd98f00b204e9800998ecf8427e as expected.' },
    { name: 'elided OpenAI key', text: 'Set OPENAI_API_KEY=sk-... in your shell before running the example.' },
    { name: 'angle-bracket placeholder', text: "Then call OpenAI(api_key='<your-api-key>') and you are done." },
    { name: 'upper-case placeholder', text: 'export ANTHROPIC_API_KEY=YOUR_API_KEY' },
    { name: 'masked value', text: 'The settings page shows password: xxxxxxxx until you click reveal.' },
    { name: 'asterisks', text: 'The log line prints token=******** which is fine.' },
    { name: 'version strings', text: 'Upgrade to v2.14.3 (or at least 2.13.0-rc.1) and Node 20.11.1.' },
    { name: 'base64 of words', text: 'What does SGVsbG8gd29ybGQ= decode to? And dGhlIHF1aWNrIGJyb3duIGZveA==?' },
    { name: 'URL without credentials', text: 'POST https://api.openai.com/v1/chat/completions?api-version=2024-02-01 returns 429.' },
    { name: 'URL with a port', text: 'The worker connects to redis://cache.internal:6379/0 and postgres://db.internal:5432/orders.' },
    { name: 'password without value', text: 'Reset your password: click the link we sent to your inbox.' },
    { name: 'empty token', text: 'The callback URL ends with ?token= when the session expired.' },
    { name: 'large number', text: 'We processed 1234567890 requests last month, 98765 of them failed.' },
    { name: 'email address', text: 'Please forward the invoice to jane.doe@example.com and ops@example.org.' },
    { name: 'max_tokens', text: 'I call it with max_tokens: 2048, temperature=0.2 and top_p=0.9.' },
    { name: 'type hints', text: 'def connect(api_key: str, token: Optional[str] = None, password: str = "") -> Client:' },
    { name: 'environment lookup', text: 'token = os.environ["GITHUB_TOKEN"] and secret = settings.CLIENT_SECRET' },
    { name: 'template variable', text: 'password: ${DB_PASSWORD}\napi_key: "{{ vault_api_key }}"' },
    { name: 'header template', text: 'Send the header `Authorization: Bearer <token>` with every call.' },
    { name: 'secret as a word', text: 'The secret to good sourdough is patience, and the key ingredient is time.' },
    { name: 'tokens per minute', text: 'Tokens per minute: 90000; token limit is 4096 for this model.' },
    { name: 'AWS unique id', text: 'CloudTrail shows the user id AIDAJQABLZS4A3QDU576Q, which is not a key.' },
    { name: 'format description', text: 'GitHub classic tokens start with ghp_ and Stripe keys with sk_live_ followed by random characters.' },
    { name: 'CSS colours', text: 'Use #ff00aa for the accent and #1a2b3c for the border.' },
    { name: 'Kubernetes secret reference', text: 'secretName: tls-cert\nsecretKeyRef:\n  name: db-credentials\n  key: password' },
    { name: 'password policy', text: 'Set password_min_length=12 and password_max_age_days=90.' },
    { name: 'auth words', text: 'Authentication failed for user postgres; OAuth is configured with authorization_code.' },
    { name: 'JWT header alone', text: 'Every JWT header starts with eyJhbGciOi, which is base64 for {"alg":.' },
    { name: 'documentation URL password', text: 'Example: postgres://user:password@localhost:5432/mydb (replace the values).' },
    { name: 'shell pwd', text: 'Run pwd to print the working directory, then passwd to change your password.' },
    { name: 'await call', text: 'const token = await getToken(); const apiKey = config.apiKey;' },
    { name: 'key stored elsewhere', text: 'The API key is stored in Vault under secret/data/openai.' },
    { name: 'keyboard shortcut', text: 'Press the key combination Ctrl+K, then type the keyword.' },
    { name: 'timestamps and addresses', text: 'At 2024-05-01T10:15:30Z the node 10.0.12.7:8443 answered +1 415 555 0100.' },
    { name: 'ERB reference', text: "secret_key_base: <%= ENV['SECRET_KEY_BASE'] %>" },
    { name: 'sk-learn', text: 'We train it with scikit-learn (sk-learn) pipelines and pandas.' },
    { name: 'null values', text: '{"api_key": null, "password": "", "token": false}' },
    // Code that names secrets without holding them (found by running the rules over this repository).
    { name: 'template literal header', text: "headers: { authorization: `Bearer ${MASTER_KEY}`, 'content-type': 'application/json' }" },
    { name: 'prices per token', text: "litellm_params: { model: 'fake/m', input_cost_per_token: 0.001, output_cost_per_token: 2e-6 }" },
    { name: 'generic type', text: 'readonly preAuth: AsyncSeriesBailHook<[AuthInput], Principal | undefined>;' },
    { name: 'optional chaining', text: 'const token = body?.access_token;\nif (!token) throw new Error("no token");' },
    { name: 'credentials file path', text: 'vertex_credentials: /secrets/sa.json        # or the JSON text' },
    { name: 'awaited call', text: "apiKey: (await read('AZURE_API_KEY')) ?? (await read('AZURE_OPENAI_API_KEY'))," },
    { name: 'regex literal', text: 'export const SECRET_KEY = /key|secret|token|password/i;' },
    { name: 'constant passed on', text: "{ model: 'ollama_chat/llama3.1', api_key: PROXY_KEY, api_base: fake.url }" },
    { name: 'callback signature', text: 'private readonly onToken: (token: string) => void,' },
    { name: 'string concatenation', text: "catch (e) { secret = 'refused: ' + e.message; }" },
  ];
}
