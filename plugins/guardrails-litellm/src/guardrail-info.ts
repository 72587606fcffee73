/** What /guardrails/list adds to an entry's `guardrail_info` about the plugin implementing it. */
import type { DescribedPlugin } from '@sluice/plugin-sdk';

export function guardrailInfo({ manifest }: DescribedPlugin): Record<string, unknown> {
  const streaming = manifest.hooks?.postCall?.streaming;
  return {
    implemented_by: `${manifest.id}@${manifest.version}`,
    supported_modes: [...(manifest.guardrail?.modes ?? []), 'logging_only'],
    ...(manifest.guardrail?.modes.includes('post_call') && { post_call_streaming: streaming === 'buffer' ? 'buffer' : streaming === 'chunk' ? 'chunk' : 'none' }),
  };
}
