/**
 * The gateway's pino logger. Secrets are kept out two ways: known secret-bearing paths are redacted
 * by pino, and every configured secret value (master key, deployment keys, `x-secret` fields) is
 * replaced wherever it appears in a log line, including inside messages and error strings.
 */
import pino, { type Logger as PinoLogger } from 'pino';

export const REDACT_PATHS = [
  'authorization',
  'headers.authorization',
  'req.headers.authorization',
  'headers["x-api-key"]',
  'headers["api-key"]',
  'headers["x-litellm-api-key"]',
  'api_key',
  'apiKey',
  'master_key',
  '*.api_key',
  '*.apiKey',
  '*.master_key',
  '*.password',
  '*.secret',
  '*.token',
  '*.*.api_key',
  '*.*.master_key',
];

export interface LoggerOptions {
  level?: string;
  /** Pretty output; defaults to whether stdout is a TTY. */
  pretty?: boolean;
  /** A stream to write to instead of stdout (tests). */
  destination?: NodeJS.WritableStream;
  redact?: string[];
}

/** Set of secret values that must never be printed; the kernel adds to it as it resolves config. */
export class SecretValues {
  private readonly values = new Set<string>();
  add(value: unknown): void {
    // Very short values would mangle ordinary words; they are not meaningful secrets anyway.
    if (typeof value === 'string' && value.length >= 6) this.values.add(value);
  }
  get size(): number {
    return this.values.size;
  }
  scrub(text: string): string {
    if (this.values.size === 0) return text;
    let out = text;
    for (const v of this.values) if (out.includes(v)) out = out.split(v).join('[REDACTED]');
    return out;
  }
}

export type Logger = PinoLogger;

export function createLogger(options: LoggerOptions, secrets: SecretValues): Logger {
  const pretty = options.pretty ?? Boolean(process.stdout.isTTY);
  const base: pino.LoggerOptions = {
    level: options.level ?? process.env.LOG_LEVEL?.toLowerCase() ?? 'info',
    base: { service: 'sluice' },
    redact: { paths: [...REDACT_PATHS, ...(options.redact ?? [])], censor: '[REDACTED]' },
    hooks: {
      // Scrub known secret values from the whole serialized line, whatever field they hide in.
      streamWrite: (line: string) => secrets.scrub(line),
    },
  };
  if (options.destination) return pino(base, options.destination as pino.DestinationStream);
  if (pretty) {
    return pino({ ...base, transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'SYS:HH:MM:ss.l' } } });
  }
  return pino(base, pino.destination({ sync: false }));
}
