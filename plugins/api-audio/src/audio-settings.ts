/** The plugin's config with its defaults applied, resolved once at setup. */
import type { ApiAudioConfig } from './config.generated.js';

export interface AudioSettings {
  /** Largest transcription/translation request body, bytes. */
  maxUploadBytes: number;
  /** Whole-call timeout of a transcription/translation attempt, ms; undefined: the deployment's. */
  timeoutMs: number | undefined;
  /** Longest speech `input`, characters. */
  maxSpeechInputChars: number;
}

/** OpenAI's 25 MB file limit. */
export const DEFAULT_MAX_UPLOAD_BYTES = 25 * 1024 * 1024;
/** OpenAI's limit on a speech request's `input`. */
export const DEFAULT_MAX_SPEECH_INPUT_CHARS = 4096;

export function audioSettings(config: ApiAudioConfig): AudioSettings {
  return {
    maxUploadBytes: config.max_upload_bytes ?? DEFAULT_MAX_UPLOAD_BYTES,
    timeoutMs: config.timeout_s === undefined ? undefined : Math.round(config.timeout_s * 1000),
    maxSpeechInputChars: config.max_speech_input_chars ?? DEFAULT_MAX_SPEECH_INPUT_CHARS,
  };
}
