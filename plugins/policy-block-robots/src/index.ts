/**
 * LiteLLM's `general_settings.block_robots`: `/robots.txt` tells every crawler to stay away from
 * the whole gateway. Without the setting the route does not exist, so `/robots.txt` is a 404 as in
 * LiteLLM, and nothing is registered.
 */
import { definePlugin } from '@sluice/plugin-sdk';
import type { PolicyBlockRobotsConfig } from './config.generated.js';

/** Exactly what LiteLLM serves (a PlainTextResponse). */
const ROBOTS_TXT = 'User-agent: *\nDisallow: /';

export default definePlugin<PolicyBlockRobotsConfig>({
  id: 'policy-block-robots',
  version: '1.0.0',
  apiVersion: '^2',
  setup(_ctx, config) {
    if (config.block_robots !== true) return {};
    return {
      routes: [
        {
          method: 'GET',
          url: '/robots.txt',
          access: 'public', // crawlers carry no key
          summary: 'Tells web crawlers not to index the gateway',
          handler: async () => ({ body: ROBOTS_TXT, contentType: 'text/plain; charset=utf-8' }),
        },
      ],
    };
  },
});
