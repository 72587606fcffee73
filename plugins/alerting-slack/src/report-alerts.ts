/**
 * Periodic reports, one per period across instances (the marker is the period's number):
 * - `daily_reports` (every `daily_report_frequency`): LiteLLM's top 5 deployments by failed
 *   requests and by latency per output token. Each instance sums its calls per period and adds the
 *   sums to the shared counters on a timer (no round trip per call); the instance that sends the
 *   report reads every deployment's counters of the period that just ended.
 * - `spend_reports` (every `spend_report_frequency`, "7d"): spend per team and per tag over the
 *   period, from the gateway's own `/global/spend/report` (spend-logs, every instance's calls) when
 *   the management API answers it, else from the calls this instance saw.
 */
import type { Counters, DeploymentView, Logger, ManagementClient, SpendEvent } from '@sluice/plugin-sdk';
import type { AlertDispatch } from './alert-dispatch.js';
import { dailyReportMessage, spendReportMessage, type ReportRow } from './slack-messages.js';

export interface ReportSettings {
  dailyFrequencyMs: number;
  /** Absent: no spend report. */
  spendPeriodDays: number | undefined;
}

interface DeploymentSums {
  failed: number;
  latency: number;
  latencyCount: number;
}

const DAY_MS = 86_400_000;
const DAILY_KEY = 'alerting:daily';
/** Most teams or tags one instance sums per spend period (the rest are folded into "other"). */
const MAX_SPEND_GROUPS = 1_000;

const ymd = (d: Date): string => d.toISOString().slice(0, 10);

export class ReportAlerts {
  /** period → deployment id → sums not yet added to the counters. */
  private readonly pending = new Map<number, Map<string, DeploymentSums>>();
  private readonly spend = { period: -1, teams: new Map<string, number>(), tags: new Map<string, number>() };
  private dailyPeriod: number;
  private spendPeriod: number;

  constructor(
    private readonly s: ReportSettings,
    private readonly alerts: AlertDispatch,
    private readonly counters: Counters,
    private readonly log: Logger,
    private readonly now: () => number,
    private readonly deployments: () => readonly DeploymentView[],
    private readonly management: () => ManagementClient | undefined,
  ) {
    this.dailyPeriod = Math.floor(now() / s.dailyFrequencyMs);
    this.spendPeriod = s.spendPeriodDays ? Math.floor(now() / (s.spendPeriodDays * DAY_MS)) : -1;
  }

  onSpend(event: Readonly<SpendEvent>): void {
    if (this.alerts.wants('daily_reports') && event.deployment) this.countDaily(event);
    if (this.alerts.wants('spend_reports') && this.s.spendPeriodDays && event.cost > 0) this.countSpend(event);
  }

  private countDaily(event: Readonly<SpendEvent>): void {
    const period = Math.floor(event.endedAt / this.s.dailyFrequencyMs);
    let byDeployment = this.pending.get(period);
    if (!byDeployment) this.pending.set(period, (byDeployment = new Map()));
    let sums = byDeployment.get(event.deployment!.id);
    if (!sums) byDeployment.set(event.deployment!.id, (sums = { failed: 0, latency: 0, latencyCount: 0 }));
    if (event.status === 'failure') {
      if (event.errorCode?.includes('UPSTREAM')) sums.failed++;
      return;
    }
    const seconds = (event.endedAt - event.startedAt) / 1000;
    const tokens = event.usage.completion_tokens;
    sums.latency += tokens > 0 ? seconds / tokens : seconds;
    sums.latencyCount++;
  }

  private countSpend(event: Readonly<SpendEvent>): void {
    const period = Math.floor(event.endedAt / (this.s.spendPeriodDays! * DAY_MS));
    if (period !== this.spend.period) {
      this.spend.period = period;
      this.spend.teams.clear();
      this.spend.tags.clear();
    }
    const add = (m: Map<string, number>, k: string) => m.set(m.has(k) || m.size < MAX_SPEND_GROUPS ? k : 'other', (m.get(k) ?? 0) + event.cost);
    const alias = event.principal.metadata?.team_alias;
    add(this.spend.teams, typeof alias === 'string' ? alias : (event.principal.teamId ?? 'None'));
    for (const tag of event.tags) add(this.spend.tags, tag);
  }

  /** Adds this instance's sums to the shared counters (a timer; also before a report). */
  async flush(): Promise<void> {
    const ttl = this.s.dailyFrequencyMs * 3;
    const batches = [...this.pending];
    this.pending.clear();
    for (const [period, byDeployment] of batches) {
      for (const [id, sums] of byDeployment) {
        const key = `${DAILY_KEY}:${period}:${id}`;
        try {
          await Promise.all([
            sums.failed > 0 ? this.counters.incrBy(`${key}:failed`, sums.failed, ttl) : undefined,
            sums.latencyCount > 0 ? this.counters.incrBy(`${key}:latency`, sums.latency, ttl) : undefined,
            sums.latencyCount > 0 ? this.counters.incrBy(`${key}:latency_count`, sums.latencyCount, ttl) : undefined,
          ]);
        } catch (err) {
          this.log.warn({ err: (err as Error).message }, 'could not add deployment report figures to the shared counters; they are left out of the report');
        }
      }
    }
  }

  /** The report timer (`report_check_interval`): sends the reports of periods that ended. */
  async check(): Promise<void> {
    const now = this.now();
    const daily = Math.floor(now / this.s.dailyFrequencyMs);
    if (daily > this.dailyPeriod) {
      const ended = this.dailyPeriod;
      this.dailyPeriod = daily;
      if (this.alerts.wants('daily_reports')) await this.sendDaily(ended, now);
    }
    if (this.s.spendPeriodDays) {
      const period = Math.floor(now / (this.s.spendPeriodDays * DAY_MS));
      if (period > this.spendPeriod) {
        this.spendPeriod = period;
        if (this.alerts.wants('spend_reports')) await this.sendSpend(now);
      }
    }
  }

  private async sendDaily(period: number, now: number): Promise<void> {
    await this.flush();
    const rows: { view: DeploymentView; failed: number; latency: number }[] = [];
    for (const view of this.deployments()) {
      const key = `${DAILY_KEY}:${period}:${view.id}`;
      const [failed, latency, count] = await Promise.all([this.counters.get(`${key}:failed`), this.counters.get(`${key}:latency`), this.counters.get(`${key}:latency_count`)]);
      rows.push({ view, failed, latency: count > 0 ? latency / count : 0 });
    }
    // LiteLLM sends nothing for a period without a figure.
    if (!rows.some((r) => r.failed > 0 || r.latency > 0)) return;
    const row = (r: (typeof rows)[number], value: number): ReportRow => ({
      deployment: typeof r.view.params.model === 'string' ? r.view.params.model : `${r.view.provider}/${r.view.model}`,
      apiBase: typeof r.view.params.api_base === 'string' ? r.view.params.api_base : '',
      value,
    });
    const failed = rows.filter((r) => r.failed > 0).sort((a, b) => b.failed - a.failed).slice(0, 5).map((r) => row(r, r.failed));
    const slowest = rows.filter((r) => r.latency > 0).sort((a, b) => b.latency - a.latency).slice(0, 5).map((r) => row(r, r.latency));
    await this.alerts.send({
      type: 'daily_reports',
      level: 'Low',
      message: dailyReportMessage(failed, slowest, now / 1000, (now + this.s.dailyFrequencyMs) / 1000),
      subject: String(period),
      windowMs: this.s.dailyFrequencyMs * 2,
    });
  }

  private async sendSpend(now: number): Promise<void> {
    const days = this.s.spendPeriodDays!;
    const end = new Date(now);
    const start = new Date(now - days * DAY_MS);
    const shared = await this.sharedSpend(start, end);
    const local = { teams: [...this.spend.teams].map(([team, spend]) => ({ team, spend })), tags: [...this.spend.tags].map(([tag, spend]) => ({ tag, spend })) };
    const { teams, tags } = shared ?? local;
    const byDesc = <T extends { spend: number }>(a: T, b: T) => b.spend - a.spend;
    await this.alerts.send({
      type: 'spend_reports',
      level: 'Low',
      message: spendReportMessage(start, end, days, [...teams].sort(byDesc), [...tags].sort(byDesc)),
      subject: String(this.spendPeriod),
      windowMs: days * DAY_MS,
    });
  }

  /** Every instance's spend from `/global/spend/report`; undefined when it cannot be had (no spend-logs). */
  private async sharedSpend(start: Date, end: Date): Promise<{ teams: { team: string; spend: number }[]; tags: { tag: string; spend: number }[] } | undefined> {
    const management = this.management();
    if (!management) return undefined;
    const query = `start_date=${ymd(start)}&end_date=${ymd(end)}`;
    try {
      const [byTeam, byTag] = await Promise.all([
        management.request({ method: 'GET', path: `/global/spend/report?${query}&group_by=team` }),
        management.request({ method: 'GET', path: `/global/spend/report?${query}&group_by=tag` }),
      ]);
      if (byTeam.status !== 200 || byTag.status !== 200 || !Array.isArray(byTeam.body) || !Array.isArray(byTag.body)) return undefined;
      return { teams: sumGroups(byTeam.body, 'teams', 'team_name').map(([team, spend]) => ({ team, spend })), tags: sumGroups(byTag.body, 'tags', 'tag').map(([tag, spend]) => ({ tag, spend })) };
    } catch (err) {
      this.log.debug({ err: (err as Error).message }, 'no /global/spend/report; the spend report covers this instance only');
      return undefined;
    }
  }
}

/** Sums `[{group_by_day, <list>: [{<name>, total_spend}]}]` over the days. */
function sumGroups(days: unknown[], list: string, name: string): [string, number][] {
  const sums = new Map<string, number>();
  for (const day of days) {
    const entries = (day as Record<string, unknown> | null)?.[list];
    if (!Array.isArray(entries)) continue;
    for (const e of entries as Record<string, unknown>[]) {
      const key = String(e?.[name] ?? 'None');
      sums.set(key, (sums.get(key) ?? 0) + (Number(e?.total_spend) || 0));
    }
  }
  return [...sums];
}
