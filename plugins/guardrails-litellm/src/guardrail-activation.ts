/**
 * Which guardrails run on one request, decided once per request from what LiteLLM lets each
 * party say:
 *
 * - on: `default_on`; the request's `guardrails: [name]` (body or `metadata`, names or
 *   `{name: {...}}` / `{name: true}`); `metadata.permissions: {name: true}`; the key's
 *   `guardrails` and `permissions: {name: true}`; the team's guardrails.
 * - off, for a guardrail that would run: the key's or the team's `permissions: {name: false}`
 *   (name or any of its implementation's names, e.g. `hide_secrets`). The request alone may not
 *   switch a guardrail off: a guard the caller removes by adding a field protects nothing. Its
 *   `metadata.permissions: {name: false}` (or `metadata.guardrails: {name: false}`) counts only
 *   when its key carries `permissions: {allow_request_<name>_off: true}`.
 *
 * Key and team settings arrive in `principal.switches`, from whichever auth plugin recognised
 * the key.
 */
import type { CallContext, JsonObject, Logger, Principal } from '@sluice/plugin-sdk';
import type { GuardrailEntry } from './guardrail-entry.js';

type Record_ = Record<string, unknown>;

function objectOf(value: unknown): Record_ | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record_) : undefined;
}

interface RequestAsks {
  on: Set<string>;
  /** name → how the request said it (for the log line). */
  off: Map<string, string>;
}

/** `["a", {"b": {...}}]` or `{"a": true, "b": false}`. */
function readGuardrailList(value: unknown, into: RequestAsks): void {
  if (Array.isArray(value)) {
    for (const item of value) {
      if (typeof item === 'string') into.on.add(item);
      else for (const name of Object.keys(objectOf(item) ?? {})) into.on.add(name);
    }
    return;
  }
  for (const [name, flag] of Object.entries(objectOf(value) ?? {})) {
    if (flag === false) into.off.set(name, `"guardrails": {"${name}": false}`);
    else into.on.add(name);
  }
}

function requestAsks(body: JsonObject): RequestAsks {
  const asks: RequestAsks = { on: new Set(), off: new Map() };
  readGuardrailList(body.guardrails, asks);
  const metadata = objectOf(body.metadata);
  if (!metadata) return asks;
  readGuardrailList(metadata.guardrails, asks);
  for (const [name, flag] of Object.entries(objectOf(metadata.permissions) ?? {})) {
    if (flag === true) asks.on.add(name);
    else if (flag === false) asks.off.set(name, `"permissions": {"${name}": false}`);
  }
  return asks;
}

/** How logs name the key: its alias or its id (a hash), never the key itself. */
function keyLabel(principal: Principal): string {
  return principal.keyAlias ?? principal.id;
}

const requestOffPermission = (name: string) => `allow_request_${name}_off`;

export function activeGuardrails(
  entries: readonly GuardrailEntry[],
  call: CallContext,
  logOf: (pluginId: string) => Logger | undefined,
): Set<GuardrailEntry> {
  const active = new Set<GuardrailEntry>();
  const asks = requestAsks(call.body);
  const { key, team } = call.principal.switches ?? {};
  // Checked for shape: another plugin (maybe sandboxed) filled them in.
  const permissions = objectOf(key?.permissions);
  // A team's permissions switch a guardrail off for all its keys, as a key's do.
  const teamPermissions = objectOf(team?.permissions);
  const keyOn = new Set([...(key?.on ?? []), ...(team?.on ?? [])]);
  for (const e of entries) {
    const on = e.defaultOn || asks.on.has(e.name) || keyOn.has(e.name) || permissions?.[e.name] === true;
    if (!on) continue;
    const log = (msg: string) => logOf(e.pluginId)?.debug({ requestId: call.requestId, guardrail: e.name }, msg);
    const keyOff = permissions && e.permissionKeys.find((k) => permissions[k] === false);
    if (keyOff) {
      log(`The ${keyOff} guardrail check did not run on this request because api key=${keyLabel(call.principal)} has "permissions": {"${keyOff}": false}`);
      continue;
    }
    const teamOff = teamPermissions && e.permissionKeys.find((k) => teamPermissions[k] === false);
    if (teamOff) {
      log(`The ${teamOff} guardrail check did not run on this request because the team of api key=${keyLabel(call.principal)} has "permissions": {"${teamOff}": false}`);
      continue;
    }
    const requestOff = asks.off.size > 0 ? e.permissionKeys.find((k) => asks.off.has(k)) : undefined;
    if (requestOff) {
      const allow = requestOffPermission(requestOff);
      if (permissions?.[allow] === true) {
        log(
          `The ${requestOff} guardrail check did not run on this request because its metadata has ${asks.off.get(requestOff)} and api key=${keyLabel(call.principal)} has "permissions": {"${allow}": true}`,
        );
        continue;
      }
      log(`The request asked to turn the ${requestOff} guardrail off; ignored because api key=${keyLabel(call.principal)} does not have "permissions": {"${allow}": true}`);
    }
    active.add(e);
  }
  return active;
}
