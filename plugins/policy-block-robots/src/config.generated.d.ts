/* eslint-disable */
/**
 * GENERATED from plugins/policy-block-robots/config.schema.json by scripts/gen-types.mjs — do not edit.
 * Run `npm run gen:types` after changing the schema.
 */

/**
 * Whether /robots.txt tells web crawlers not to index the gateway.
 */
export interface PolicyBlockRobotsConfig {
  /**
   * Serve /robots.txt with `User-agent: *` / `Disallow: /`. Off: /robots.txt is a 404. Read from general_settings.block_robots.
   */
  block_robots?: boolean;
}
