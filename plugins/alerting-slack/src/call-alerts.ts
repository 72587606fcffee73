/**
 * Alerts about single calls: failed upstream calls (`llm_exceptions`), size refusals, calls slower
 * than `alerting_threshold` (`llm_too_slow`), and calls with no answer after it
 * (`llm_requests_hanging`). A hanging call is one preCall saw and no spend event ended: the
 * watched calls are a bounded map (oldest dropped first), checked on a timer.
 */
import { litellmExceptionClass, type CallContext, type Principal, type SpendEvent } from '@sluice/plugin-sdk';
import type { Alert, AlertDispatch } from './alert-dispatch.js';
import { exceptionMessage, hangingMessage, messagesPreview, slowMessage } from './slack-messages.js';

export interface CallAlertSettings {
  thresholdSeconds: number;
  dedupeMs: number;
  maxTracked: number;
  /** `turn_off_message_logging` / `redact_messages_in_exceptions`. */
  redactMessages: boolean;
  /** The api_base of a model group with exactly one deployment (a hanging call has no deployment yet). */
  apiBaseOf(modelGroup: string): string | undefined;
}

interface WatchedCall {
  startedAt: number;
  model: string;
  /** The call's body (in flight anyway): its preview is cut only for an alert, never per call. */
  body: Readonly<Record<string, unknown>>;
  principal: Principal;
  customer: string | undefined;
  alertingMetadata: Record<string, unknown> | undefined;
}

/** policy-size-limits' refusals (its error codes), alerted with their own message. */
const SIZE_REFUSAL = /(^|_)SIZE_LIMIT_(REQUEST|RESPONSE)_TOO_LARGE$/;

const obj = (v: unknown): Record<string, unknown> | undefined => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined);
const teamAlias = (p: Principal): string | undefined => (typeof p.metadata?.team_alias === 'string' ? p.metadata.team_alias : undefined);
export const alertingMetadataOf = (body: Readonly<Record<string, unknown>> | undefined): Record<string, unknown> | undefined => obj(obj(body?.metadata)?.alerting_metadata);

export class CallAlerts {
  private readonly watched = new Map<string, WatchedCall>();
  private readonly thresholdMs: number;

  constructor(
    private readonly s: CallAlertSettings,
    private readonly alerts: AlertDispatch,
    private readonly now: () => number,
  ) {
    this.thresholdMs = s.thresholdSeconds * 1000;
  }

  get watchesHanging(): boolean {
    return this.alerts.wants('llm_requests_hanging');
  }

  /** preCall: the call starts being watched (a map insert; nothing is copied). */
  watch(call: CallContext): void {
    if (this.watched.size >= this.s.maxTracked) {
      const oldest = this.watched.keys().next().value;
      if (oldest !== undefined) this.watched.delete(oldest);
    }
    this.watched.set(call.requestId, {
      startedAt: call.receivedAt,
      model: typeof call.body.model === 'string' ? call.body.model : '',
      body: call.body,
      principal: call.principal,
      customer: typeof call.body.user === 'string' ? call.body.user : undefined,
      alertingMetadata: alertingMetadataOf(call.body),
    });
  }

  /** The timer: every call watched for longer than the threshold is alerted once and forgotten. */
  async checkHanging(): Promise<void> {
    const cutoff = this.now() - this.thresholdMs;
    const due: WatchedCall[] = [];
    for (const [id, call] of this.watched) {
      if (call.startedAt > cutoff) break; // insertion order is start order
      this.watched.delete(id);
      due.push(call);
    }
    for (const call of due) {
      await this.alerts.send({
        type: 'llm_requests_hanging',
        level: 'Medium',
        message: hangingMessage({ threshold: this.s.thresholdSeconds, model: call.model, messages: messagesPreview(call.body, this.s.redactMessages), apiBase: this.s.apiBaseOf(call.model), keyAlias: call.principal.keyAlias, teamAlias: teamAlias(call.principal) }),
        subject: `model:${call.model}`,
        windowMs: this.s.dedupeMs,
        alertingMetadata: call.alertingMetadata,
        principal: call.principal,
        customer: call.customer,
      });
    }
  }

  async onSpend(event: Readonly<SpendEvent>): Promise<void> {
    this.watched.delete(event.requestId);
    const body = event.requestBody?.();
    const base: Pick<Alert, 'principal' | 'customer' | 'alertingMetadata'> = { principal: event.principal, customer: event.user, alertingMetadata: alertingMetadataOf(body) };
    if (event.status === 'failure') {
      if (event.errorCode && SIZE_REFUSAL.test(event.errorCode)) {
        await this.alerts.send({ ...base, type: 'llm_exceptions', level: 'Medium', message: event.errorMessage ?? event.errorCode, subject: `size:${event.errorCode}:${event.model}`, windowMs: this.s.dedupeMs });
        return;
      }
      // LiteLLM alerts on LLM API exceptions only, not on the proxy's own refusals (budgets, guardrails).
      if (!event.deployment || !event.errorCode?.includes('UPSTREAM')) return;
      const exception = `litellm.${litellmExceptionClass(event)}: ${event.errorMessage ?? event.errorCode}`;
      await this.alerts.send({ ...base, type: 'llm_exceptions', level: 'High', message: exceptionMessage(exception), subject: `deployment:${event.deployment.id}:${event.errorCode}`, windowMs: this.s.dedupeMs });
      return;
    }
    const seconds = (event.endedAt - event.startedAt) / 1000;
    if (seconds <= this.s.thresholdSeconds) return;
    const d = event.deployment;
    await this.alerts.send({
      ...base,
      type: 'llm_too_slow',
      level: 'Low',
      message: slowMessage({ seconds, threshold: this.s.thresholdSeconds, model: d?.model ?? event.model, apiBase: d?.apiBase, messages: messagesPreview(body, this.s.redactMessages), keyAlias: event.principal.keyAlias, teamAlias: teamAlias(event.principal) }),
      subject: `deployment:${d?.id ?? event.model}`,
      windowMs: this.s.dedupeMs,
    });
  }
}
