/**
 * LiteLLM's DatadogPayload for one call: the StandardLoggingPayload as the log's `message` (JSON
 * text), `status` info or error, and LiteLLM's tags (`env`, `service`, `version`, `HOSTNAME`,
 * `POD_NAME`, one `request_tag:` per request tag, `team:` the team's alias or id).
 */
import type { StandardLoggingPayload } from '@sluice/plugin-sdk';

export interface DatadogPayload {
  ddsource: string;
  ddtags: string;
  hostname: string;
  message: string;
  service: string;
  status: 'info' | 'warning' | 'error';
}

export interface DatadogTagging {
  source: string;
  service: string;
  env: string;
  version: string;
  hostname: string;
  podName: string;
}

/** The tags every log carries, joined once at setup. */
export function baseTags(t: DatadogTagging): string {
  return [`env:${t.env}`, `service:${t.service}`, `version:${t.version}`, `HOSTNAME:${t.hostname}`, `POD_NAME:${t.podName}`].join(',');
}

export function datadogPayload(payload: StandardLoggingPayload, t: DatadogTagging, tags: string): DatadogPayload {
  let ddtags = tags;
  for (const tag of payload.request_tags) ddtags += `,request_tag:${tag}`;
  const team = payload.metadata.user_api_key_team_alias ?? payload.metadata.user_api_key_team_id;
  if (team) ddtags += `,team:${team}`;
  return {
    ddsource: t.source,
    ddtags,
    hostname: t.hostname,
    message: JSON.stringify(payload),
    service: t.service,
    status: payload.status === 'failure' ? 'error' : 'info',
  };
}
