/** A config problem, always naming the file, the path inside it and what is wrong. */
export class ConfigError extends Error {
  readonly file: string;
  readonly path: string;
  constructor(file: string, path: string, problem: string) {
    super(`${file}: ${path || '(root)'}: ${problem}`);
    this.name = 'ConfigError';
    this.file = file;
    this.path = path;
  }
}
