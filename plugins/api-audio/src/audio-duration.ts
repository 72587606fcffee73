/**
 * How long an uploaded audio file plays, read from its headers, so a transcription priced per
 * second has a duration when the answer carries none. LiteLLM asks `soundfile` (libsndfile), which
 * reads WAV, FLAC and Ogg when it is installed and gives nothing otherwise; here WAV and FLAC are
 * read exactly from their headers (no decoding), and every other format gives `undefined`.
 */

/** Seconds of audio in `data`, or undefined when the format is not WAV/FLAC or the header is unreadable. */
export function audioFileDuration(data: Uint8Array): number | undefined {
  if (data.byteLength < 12) return undefined;
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  if (ascii(data, 0, 4) === 'RIFF' && ascii(data, 8, 4) === 'WAVE') return wavDuration(data, view);
  if (ascii(data, 0, 4) === 'fLaC') return flacDuration(data, view);
  return undefined;
}

const WAVE_FORMAT_PCM = 1;
const WAVE_FORMAT_IEEE_FLOAT = 3;
const WAVE_FORMAT_EXTENSIBLE = 0xfffe;

/**
 * A RIFF/WAVE file's frames ÷ sample rate, as libsndfile counts them: PCM and float data give
 * `floor(data bytes / block align)` frames; compressed formats their `fact` chunk's sample count.
 * A `data` size larger than what was uploaded (a streamed WAV's 0xFFFFFFFF) counts what is there.
 */
function wavDuration(data: Uint8Array, view: DataView): number | undefined {
  let format: number | undefined;
  let sampleRate = 0;
  let blockAlign = 0;
  let factSamples: number | undefined;
  let dataBytes: number | undefined;
  let at = 12;
  while (at + 8 <= data.byteLength) {
    const id = ascii(data, at, 4);
    const size = view.getUint32(at + 4, true);
    const body = at + 8;
    if (id === 'fmt ' && body + 16 <= data.byteLength) {
      format = view.getUint16(body, true);
      sampleRate = view.getUint32(body + 4, true);
      blockAlign = view.getUint16(body + 12, true);
    } else if (id === 'fact' && body + 4 <= data.byteLength) {
      factSamples = view.getUint32(body, true);
    } else if (id === 'data') {
      dataBytes = Math.min(size, data.byteLength - body);
      break;
    }
    // Chunks are word-aligned: an odd size is followed by one pad byte.
    at = body + size + (size % 2);
  }
  if (format === undefined || sampleRate === 0 || dataBytes === undefined) return undefined;
  const uncompressed = format === WAVE_FORMAT_PCM || format === WAVE_FORMAT_IEEE_FLOAT || format === WAVE_FORMAT_EXTENSIBLE;
  if (!uncompressed && factSamples !== undefined) return factSamples / sampleRate;
  if (blockAlign === 0) return undefined;
  return Math.floor(dataBytes / blockAlign) / sampleRate;
}

/** A FLAC stream's STREAMINFO: total samples (36 bits) ÷ sample rate (20 bits); unknown when 0. */
function flacDuration(data: Uint8Array, view: DataView): number | undefined {
  // The first metadata block must be STREAMINFO (type 0), 34 bytes, right after `fLaC`.
  if (data.byteLength < 8 + 34 || (data[4] & 0x7f) !== 0) return undefined;
  const info = 8;
  const sampleRate = (data[info + 10] << 12) | (data[info + 11] << 4) | (data[info + 12] >> 4);
  const totalSamples = (data[info + 13] & 0x0f) * 2 ** 32 + view.getUint32(info + 14, false);
  if (sampleRate === 0 || totalSamples === 0) return undefined;
  return totalSamples / sampleRate;
}

function ascii(data: Uint8Array, at: number, length: number): string {
  let s = '';
  for (let i = at; i < at + length && i < data.byteLength; i++) s += String.fromCharCode(data[i]);
  return s;
}

const SUBTITLE_TIMESTAMP = /(\d{2}):(\d{2}):(\d{2})[.,](\d{3})/g;

/**
 * The last timestamp of an SRT or WebVTT transcript, in seconds: the audio's length as LiteLLM
 * reads it from `srt`/`vtt` answers (`extract_duration_from_srt_or_vtt`, the largest timestamp).
 */
export function subtitleDuration(text: string): number | undefined {
  let max: number | undefined;
  for (const m of text.matchAll(SUBTITLE_TIMESTAMP)) {
    const seconds = Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3]) + Number(m[4]) / 1000;
    if (max === undefined || seconds > max) max = seconds;
  }
  return max;
}
