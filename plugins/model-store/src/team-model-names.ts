/**
 * Team models are served under an internal group name (`model_name_{team_id}_{uuid}`, as LiteLLM
 * names them) and called by the team under their public name (`model_info.team_public_model_name`).
 * This index maps (team, public name) → internal name, rebuilt when deployments change, so the
 * preCall rewrite is two Map lookups.
 */
import type { CallContext, ModelCatalog } from '@sluice/plugin-sdk';

export class TeamModelNames {
  private byTeam = new Map<string, Map<string, string>>();

  constructor(private readonly models: ModelCatalog) {
    this.rebuild();
    models.onChange(() => this.rebuild());
  }

  private rebuild(): void {
    const byTeam = new Map<string, Map<string, string>>();
    for (const d of this.models.deployments()) {
      const team = d.modelInfo.team_id;
      const name = d.modelInfo.team_public_model_name;
      if (typeof team !== 'string' || typeof name !== 'string') continue;
      let names = byTeam.get(team);
      if (!names) byTeam.set(team, (names = new Map()));
      if (!names.has(name)) names.set(name, d.modelName);
    }
    this.byTeam = byTeam;
  }

  get empty(): boolean {
    return this.byTeam.size === 0;
  }

  /** The internal group a team key's public model name stands for. */
  resolve(teamId: string, model: unknown): string | undefined {
    return typeof model === 'string' ? this.byTeam.get(teamId)?.get(model) : undefined;
  }

  /** preCall: a team key calling its team's model by the public name reaches the internal group. */
  rewrite(call: CallContext): void {
    const team = call.principal.teamId;
    if (team === undefined) return;
    const internal = this.resolve(team, call.body.model);
    if (internal !== undefined) call.body.model = internal;
  }
}
