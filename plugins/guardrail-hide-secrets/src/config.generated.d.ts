/* eslint-disable */
/**
 * GENERATED from plugins/guardrail-hide-secrets/config.schema.json by scripts/gen-types.mjs — do not edit.
 * Run `npm run gen:types` after changing the schema.
 */

/**
 * Secret redaction in prompts (LiteLLM's hide_secrets). Every detector runs unless listed here.
 */
export interface GuardrailHideSecretsConfig {
  /**
   * Detectors not to run, by the name they log under (e.g. "Secret Keyword"). For a false positive an operator cannot avoid otherwise; every detector left on still runs.
   */
  disabled_detectors?: (
    | 'AWS Access Key'
    | 'Anthropic API Key'
    | 'Azure SAS Token'
    | 'Azure Storage Account access key'
    | 'Basic Auth Credentials'
    | 'GCP API Key'
    | 'GitHub Token'
    | 'GitLab Secret'
    | 'Groq API Key'
    | 'Hugging Face Token'
    | 'JSON Web Token'
    | 'Mailchimp Access Key'
    | 'NPM tokens'
    | 'Private Key'
    | 'Secret Keyword'
    | 'SendGrid API Token'
    | 'Slack Secret'
    | 'Square OAuth Secret'
    | 'Strict OpenAI API Key'
    | 'Stripe Access Key'
    | 'Twilio API Key'
  )[];
  /**
   * Rules of the rule set (gitleaks' rules and Sluice's own, in rules/) not to run, by id (e.g. "sourcegraph-access-token"). For the same purpose as disabled_detectors; an unknown id stops the gateway from starting.
   */
  disabled_rules?: string[];
}
