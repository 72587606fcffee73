/**
 * The tries of one call (`SpendEvent.attempts`), kept on the call's request once a try fails: the
 * common call's first try answers and allocates nothing here.
 */
import { isUpstreamError, type CallAttempt, type DeploymentInfo } from '@sluice/plugin-sdk';

/** A try's error message is kept up to this many characters (a provider may answer with a page). */
const MAX_MESSAGE = 2_000;

/** Where a call's tries are kept (the pipeline's request). */
export interface AttemptHolder {
  attempts?: CallAttempt[];
}

/** A try that failed with `err` (an UpstreamError, or anything else the provider threw). */
export function recordFailedAttempt(holder: AttemptHolder, deployment: DeploymentInfo, startedAt: number, err: unknown, scrub: (text: string) => string): void {
  const status = isUpstreamError(err) ? (err.timeout ? 504 : err.status) : 0;
  // The provider's own words when its error body has them (what a client of that call would read).
  const said = isUpstreamError(err) ? (err.body as { error?: { message?: unknown } } | undefined)?.error?.message : undefined;
  const message = typeof said === 'string' && said !== '' ? said : err instanceof Error ? err.message : String(err);
  (holder.attempts ??= []).push({ deployment, startedAt, endedAt: Date.now(), httpStatus: status, errorMessage: scrub(message.slice(0, MAX_MESSAGE)) });
}

/** A try that answered: recorded only when an earlier one failed. */
export function recordAnsweredAttempt(holder: AttemptHolder, deployment: DeploymentInfo, startedAt: number): void {
  holder.attempts?.push({ deployment, startedAt, endedAt: Date.now(), httpStatus: 200 });
}

/** The router took `deploymentId` out after this call's last failed try of it. */
export function markCooledDown(holder: AttemptHolder, deploymentId: string): void {
  const attempts = holder.attempts;
  if (attempts === undefined) return;
  for (let i = attempts.length - 1; i >= 0; i--) {
    if (attempts[i]!.deployment.id === deploymentId && attempts[i]!.httpStatus !== 200) {
      attempts[i]!.cooledDown = true;
      return;
    }
  }
}
