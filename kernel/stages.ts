/** Named stages order the taps of each hook; ties are broken by plugin id. */
export const STAGES = {
  SECURITY: 100,
  AUTH: 200,
  BUDGET: 300,
  GUARDRAIL: 400,
  DEFAULT: 500,
  TRANSFORM: 600,
  OBSERVE: 700,
} as const;

export type StageName = keyof typeof STAGES;

export const HOOK_NAMES = ['preAuth', 'preCall', 'postCall', 'onSpend', 'onAudit'] as const;
export type HookName = (typeof HOOK_NAMES)[number];

export function isStageName(value: unknown): value is StageName {
  return typeof value === 'string' && Object.hasOwn(STAGES, value);
}
