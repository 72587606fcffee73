/**
 * What a detector reports: where a secret value sits in a text and what kind it is. Detector
 * names are the ones LiteLLM logs (detect-secrets' `secret_type`, or LiteLLM's own detector where
 * it has one), so log searches written for LiteLLM keep working.
 */

export const DETECTOR_NAMES = [
  'AWS Access Key',
  'Anthropic API Key',
  'Azure SAS Token',
  'Azure Storage Account access key',
  'Basic Auth Credentials',
  'GCP API Key',
  'GitHub Token',
  'GitLab Secret',
  'Groq API Key',
  'Hugging Face Token',
  'JSON Web Token',
  'Mailchimp Access Key',
  'NPM tokens',
  'Private Key',
  'Secret Keyword',
  'SendGrid API Token',
  'Slack Secret',
  'Square OAuth Secret',
  'Strict OpenAI API Key',
  'Stripe Access Key',
  'Twilio API Key',
] as const;

export type DetectorName = (typeof DETECTOR_NAMES)[number];

/** What a warning names: a built-in detector, or a rule of the rule set (`DigitalOcean PAT`, see rule-set.ts). */
export type SecretType = DetectorName | (string & {});

export interface Finding {
  /** Offset of the secret value's first character. */
  start: number;
  /** Offset just past its last character. */
  end: number;
  type: SecretType;
  /**
   * True for a known token format, false for a guess from context (a keyword assignment). When
   * findings overlap, the union is redacted and the specific name is kept: a token format says
   * more than "it was assigned to a variable called api_key".
   */
  specific: boolean;
}

/** A detector appends what it finds in `text` to `out`. */
export type Detector = (text: string, out: Finding[]) => void;
