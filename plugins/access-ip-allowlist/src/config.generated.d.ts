/* eslint-disable */
/**
 * GENERATED from plugins/access-ip-allowlist/config.schema.json by scripts/gen-types.mjs — do not edit.
 * Run `npm run gen:types` after changing the schema.
 */

/**
 * Which client addresses may call the gateway's authenticated routes.
 */
export interface AccessIpAllowlistConfig {
  /**
   * LiteLLM's `general_settings.allowed_ips`: addresses (`192.168.1.1`, `2001:db8::7`) and CIDR ranges (`10.0.0.0/8`, `2001:db8::/32`); an IPv4-mapped IPv6 address (`::ffff:10.1.2.3`) is its IPv4 address. Any other client is refused with 403 before its key is looked up. The client is the socket's peer, or with `general_settings.use_x_forwarded_for` the nearest X-Forwarded-For hop not in `trusted_proxies`. Unset: every address may call. An entry that is not an address or range stops the gateway from starting.
   */
  allowed_ips?: string[] | null;
}
