/* eslint-disable */
/**
 * GENERATED from plugins/guardrail-google-text-moderation/config.schema.json by scripts/gen-types.mjs — do not edit.
 * Run `npm run gen:types` after changing the schema.
 */

/**
 * Prompt moderation by Google Cloud Natural Language's moderateText, as LiteLLM's google_text_moderation callback: a request is refused when a category's confidence is above its threshold.
 */
export interface GuardrailGoogleTextModerationConfig {
  /**
   * A category whose confidence is above this (strictly) refuses the request, unless the category has its own threshold. Read from litellm_settings.google_moderation_confidence_threshold.
   */
  google_moderation_confidence_threshold?: number;
  /**
   * Threshold of the "toxic" category, instead of the global one. Read from litellm_settings.toxic_confidence_threshold.
   */
  toxic_confidence_threshold?: number;
  /**
   * Threshold of the "insult" category, instead of the global one. Read from litellm_settings.insult_confidence_threshold.
   */
  insult_confidence_threshold?: number;
  /**
   * Threshold of the "profanity" category, instead of the global one. Read from litellm_settings.profanity_confidence_threshold.
   */
  profanity_confidence_threshold?: number;
  /**
   * Threshold of the "derogatory" category, instead of the global one. Read from litellm_settings.derogatory_confidence_threshold.
   */
  derogatory_confidence_threshold?: number;
  /**
   * Threshold of the "sexual" category, instead of the global one. Read from litellm_settings.sexual_confidence_threshold.
   */
  sexual_confidence_threshold?: number;
  /**
   * Threshold of the "death_harm_and_tragedy" category, instead of the global one. Read from litellm_settings.death_harm_and_tragedy_threshold.
   */
  death_harm_and_tragedy_threshold?: number;
  /**
   * The same as death_harm_and_tragedy_threshold (the name LiteLLM's code reads); death_harm_and_tragedy_threshold wins when both are set. Read from litellm_settings.death_harm_and_tragedy_confidence_threshold.
   */
  death_harm_and_tragedy_confidence_threshold?: number;
  /**
   * Threshold of the "violent" category, instead of the global one. Read from litellm_settings.violent_threshold.
   */
  violent_threshold?: number;
  /**
   * The same as violent_threshold (the name LiteLLM's code reads); violent_threshold wins when both are set. Read from litellm_settings.violent_confidence_threshold.
   */
  violent_confidence_threshold?: number;
  /**
   * Threshold of the "firearms_and_weapons" category, instead of the global one. Read from litellm_settings.firearms_and_weapons_threshold.
   */
  firearms_and_weapons_threshold?: number;
  /**
   * The same as firearms_and_weapons_threshold (the name LiteLLM's code reads); firearms_and_weapons_threshold wins when both are set. Read from litellm_settings.firearms_and_weapons_confidence_threshold.
   */
  firearms_and_weapons_confidence_threshold?: number;
  /**
   * Threshold of the "public_safety" category, instead of the global one. Read from litellm_settings.public_safety_threshold.
   */
  public_safety_threshold?: number;
  /**
   * The same as public_safety_threshold (the name LiteLLM's code reads); public_safety_threshold wins when both are set. Read from litellm_settings.public_safety_confidence_threshold.
   */
  public_safety_confidence_threshold?: number;
  /**
   * Threshold of the "health" category, instead of the global one. Read from litellm_settings.health_threshold.
   */
  health_threshold?: number;
  /**
   * The same as health_threshold (the name LiteLLM's code reads); health_threshold wins when both are set. Read from litellm_settings.health_confidence_threshold.
   */
  health_confidence_threshold?: number;
  /**
   * Threshold of the "religion_and_belief" category, instead of the global one. Read from litellm_settings.religion_and_belief_threshold.
   */
  religion_and_belief_threshold?: number;
  /**
   * The same as religion_and_belief_threshold (the name LiteLLM's code reads); religion_and_belief_threshold wins when both are set. Read from litellm_settings.religion_and_belief_confidence_threshold.
   */
  religion_and_belief_confidence_threshold?: number;
  /**
   * Threshold of the "illicit_drugs" category, instead of the global one. Read from litellm_settings.illicit_drugs_threshold.
   */
  illicit_drugs_threshold?: number;
  /**
   * The same as illicit_drugs_threshold (the name LiteLLM's code reads); illicit_drugs_threshold wins when both are set. Read from litellm_settings.illicit_drugs_confidence_threshold.
   */
  illicit_drugs_confidence_threshold?: number;
  /**
   * Threshold of the "war_and_conflict" category, instead of the global one. Read from litellm_settings.war_and_conflict_threshold.
   */
  war_and_conflict_threshold?: number;
  /**
   * The same as war_and_conflict_threshold (the name LiteLLM's code reads); war_and_conflict_threshold wins when both are set. Read from litellm_settings.war_and_conflict_confidence_threshold.
   */
  war_and_conflict_confidence_threshold?: number;
  /**
   * Threshold of the "politics" category, instead of the global one. Read from litellm_settings.politics_threshold.
   */
  politics_threshold?: number;
  /**
   * The same as politics_threshold (the name LiteLLM's code reads); politics_threshold wins when both are set. Read from litellm_settings.politics_confidence_threshold.
   */
  politics_confidence_threshold?: number;
  /**
   * Threshold of the "finance" category, instead of the global one. Read from litellm_settings.finance_threshold.
   */
  finance_threshold?: number;
  /**
   * The same as finance_threshold (the name LiteLLM's code reads); finance_threshold wins when both are set. Read from litellm_settings.finance_confidence_threshold.
   */
  finance_confidence_threshold?: number;
  /**
   * Threshold of the "legal" category, instead of the global one. Read from litellm_settings.legal_threshold.
   */
  legal_threshold?: number;
  /**
   * The same as legal_threshold (the name LiteLLM's code reads); legal_threshold wins when both are set. Read from litellm_settings.legal_confidence_threshold.
   */
  legal_confidence_threshold?: number;
  /**
   * Base URL of the Cloud Natural Language API; requests go to <api_base>/v1/documents:moderateText. Read from GOOGLE_TEXT_MODERATION_API_BASE when not set here (for a proxy or a test double).
   */
  api_base?: string;
  /**
   * Service-account key for the OAuth token: the path of its JSON file, or the JSON text. Read from GOOGLE_APPLICATION_CREDENTIALS (environment or secret manager) when not set here, as LiteLLM does. Not used when api_key is set.
   */
  credentials?: string;
  /**
   * A Google Cloud API key allowed to call the Natural Language API, sent as x-goog-api-key; an alternative to service-account credentials.
   */
  api_key?: string;
  /**
   * How long to wait for Google's answer (headers, then between body chunks), in ms. A call that takes longer is a fault and follows the failure policy (fail-closed by default).
   */
  timeout_ms?: number;
}
