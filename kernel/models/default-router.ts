/** Routing when no router plugin is enabled: one attempt per call, round-robin within a group. */
import type { Router, RoutingRequest, RoutingOutcome } from '@sluice/plugin-sdk';

export function createDefaultRouter(): Router {
  const cursors = new Map<string, number>();
  return {
    async route(req: RoutingRequest): Promise<RoutingOutcome> {
      const group = req.group(req.model);
      if (!group || group.length === 0) throw req.modelNotFound(req.model);
      const key = group[0]!.modelName;
      const i = (cursors.get(key) ?? 0) % group.length;
      cursors.set(key, i + 1);
      const deployment = group[i]!;
      return { deployment, response: await req.attempt(deployment) };
    },
  };
}
