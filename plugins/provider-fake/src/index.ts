/** The built-in fake model (`model: fake/<anything>`): deterministic, in-process, no network. */
import { definePlugin } from '@sluice/plugin-sdk';
import type { ProviderFakeConfig } from './config.generated.js';
import { createFakeAdapter } from './fake-adapter.js';

export default definePlugin<ProviderFakeConfig>({
  id: 'provider-fake',
  version: '1.0.0',
  apiVersion: '^2',
  setup(_ctx, config) {
    const defaults = config as Required<ProviderFakeConfig>; // schema defaults are applied at load
    return {
      providers: [{ names: ['fake', 'sluice_fake'], endpoints: ['chat', 'completions', 'embeddings'], createAdapter: (d) => createFakeAdapter(d, defaults) }],
    };
  },
});
