/** Choosing one deployment among the healthy ones of a group. */
import type { RoutableDeployment } from '@sluice/plugin-sdk';
import type { DeploymentStats } from './deployment-stats.js';
import type { Strategy } from './router-settings.js';

export type Pick = (candidates: readonly RoutableDeployment[], stats: DeploymentStats, now: number) => RoutableDeployment;

function lowest(candidates: readonly RoutableDeployment[], score: (d: RoutableDeployment) => number, buffer = 0): RoutableDeployment {
  let best = Infinity;
  for (const d of candidates) best = Math.min(best, score(d));
  const limit = best * (1 + buffer);
  const ties = candidates.filter((d) => score(d) <= limit);
  return ties[Math.floor(Math.random() * ties.length)]!;
}

/** LiteLLM's simple-shuffle: weighted by `weight`, else `rpm`, else `tpm`, else uniform. */
function weightedShuffle(candidates: readonly RoutableDeployment[]): RoutableDeployment {
  if (candidates.length === 1) return candidates[0]!;
  const key = candidates.some((d) => d.weight !== undefined) ? 'weight' : candidates.some((d) => d.rpm !== undefined) ? 'rpm' : candidates.some((d) => d.tpm !== undefined) ? 'tpm' : undefined;
  if (!key) return candidates[Math.floor(Math.random() * candidates.length)]!;
  let total = 0;
  for (const d of candidates) total += d[key] ?? 0;
  if (total <= 0) return candidates[Math.floor(Math.random() * candidates.length)]!;
  let r = Math.random() * total;
  for (const d of candidates) {
    r -= d[key] ?? 0;
    if (r < 0) return d;
  }
  return candidates[candidates.length - 1]!;
}

export function strategyPick(strategy: Strategy, latencyBuffer: number): Pick {
  switch (strategy) {
    case 'least-busy':
      return (c, stats) => lowest(c, (d) => stats.busy(d.id));
    case 'latency-based-routing':
      return (c, stats) => lowest(c, (d) => stats.latencyOf(d.id), latencyBuffer);
    case 'usage-based-routing':
    case 'usage-based-routing-v2':
      return (c, stats, now) => lowest(c, (d) => stats.tokensThisMinute(d.id, now));
    case 'cost-based-routing':
      return (c) => lowest(c, (d) => Number(d.params.input_cost_per_token ?? 0) + Number(d.params.output_cost_per_token ?? 0));
    default:
      return (c) => weightedShuffle(c);
  }
}
