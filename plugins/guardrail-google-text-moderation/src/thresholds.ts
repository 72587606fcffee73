/**
 * Which confidence refuses a request, per moderation category. The settings are the spec's table:
 * five categories read `<category>_confidence_threshold`, eleven read `<category>_threshold`.
 * LiteLLM's code reads `<category>_confidence_threshold` for all sixteen, so a config that works
 * there uses that name; both are honoured, the spec's name first.
 */
import type { GuardrailGoogleTextModerationConfig } from './config.generated.js';

type Config = GuardrailGoogleTextModerationConfig;
type ThresholdKey = Extract<keyof Config, `${string}_threshold`>;

export const DEFAULT_CONFIDENCE_THRESHOLD = 0.8;

/** Category (as normalised below) → its settings, the spec's name first. */
const CATEGORY_SETTINGS: Record<string, readonly ThresholdKey[]> = {
  toxic: ['toxic_confidence_threshold'],
  insult: ['insult_confidence_threshold'],
  profanity: ['profanity_confidence_threshold'],
  derogatory: ['derogatory_confidence_threshold'],
  sexual: ['sexual_confidence_threshold'],
  death_harm_and_tragedy: ['death_harm_and_tragedy_threshold', 'death_harm_and_tragedy_confidence_threshold'],
  violent: ['violent_threshold', 'violent_confidence_threshold'],
  firearms_and_weapons: ['firearms_and_weapons_threshold', 'firearms_and_weapons_confidence_threshold'],
  public_safety: ['public_safety_threshold', 'public_safety_confidence_threshold'],
  health: ['health_threshold', 'health_confidence_threshold'],
  religion_and_belief: ['religion_and_belief_threshold', 'religion_and_belief_confidence_threshold'],
  illicit_drugs: ['illicit_drugs_threshold', 'illicit_drugs_confidence_threshold'],
  war_and_conflict: ['war_and_conflict_threshold', 'war_and_conflict_confidence_threshold'],
  politics: ['politics_threshold', 'politics_confidence_threshold'],
  finance: ['finance_threshold', 'finance_confidence_threshold'],
  legal: ['legal_threshold', 'legal_confidence_threshold'],
};

/** Google's display name to the settings' spelling: "Death, Harm & Tragedy" → "death_harm_and_tragedy". */
export function categoryKey(name: string): string {
  return name.toLowerCase().replaceAll('&', 'and').replaceAll(',', '').replaceAll(' ', '_');
}

export interface Thresholds {
  /** Confidence above which `categoryName` (Google's display name) refuses a request. */
  of(categoryName: string): number;
  /** Every known category's threshold, for the startup log. */
  readonly table: Readonly<Record<string, number>>;
}

export function resolveThresholds(config: Config): Thresholds {
  const global = config.google_moderation_confidence_threshold ?? DEFAULT_CONFIDENCE_THRESHOLD;
  const table: Record<string, number> = {};
  for (const [category, keys] of Object.entries(CATEGORY_SETTINGS)) {
    table[category] = keys.map((k) => config[k]).find((v): v is number => v !== undefined) ?? global;
  }
  // A category Google adds later is held to the global threshold (LiteLLM fails the request on it).
  return { of: (name) => table[categoryKey(name)] ?? global, table: Object.freeze(table) };
}
