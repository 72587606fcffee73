/** A plugin-tooling failure the user can fix: the CLI prints its message (and problems) without a stack. */
export class PluginToolingError extends Error {
  readonly problems: string[];
  constructor(message: string, problems: string[] = []) {
    super(problems.length ? `${message}\n${problems.map((p) => `  - ${p}`).join('\n')}` : message);
    this.name = 'PluginToolingError';
    this.problems = problems;
  }
}
