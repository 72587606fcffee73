/** Durations read from audio headers (WAV, FLAC) and from srt/vtt transcripts. */
import { describe, expect, it } from 'vitest';
import { audioFileDuration, subtitleDuration } from '../src/audio-duration.js';
import { sineWav } from './wav-file.js';

/** A minimal FLAC header: `fLaC` + a last-block STREAMINFO with the given rate and sample count. */
function flacHeader(sampleRate: number, totalSamples: number): Uint8Array {
  const b = Buffer.alloc(8 + 34);
  b.write('fLaC', 0, 'ascii');
  b[4] = 0x80; // last metadata block, type 0 (STREAMINFO)
  b.writeUIntBE(34, 5, 3);
  const info = 8;
  b.writeUInt16BE(4096, info);
  b.writeUInt16BE(4096, info + 2);
  // 20 bits rate, 3 bits channels-1 (1), 5 bits bps-1 (15), 36 bits total samples.
  b[info + 10] = (sampleRate >> 12) & 0xff;
  b[info + 11] = (sampleRate >> 4) & 0xff;
  b[info + 12] = ((sampleRate & 0x0f) << 4) | (1 << 1) | (15 >> 4);
  b[info + 13] = ((15 & 0x0f) << 4) | Math.floor(totalSamples / 2 ** 32);
  b.writeUInt32BE(totalSamples % 2 ** 32, info + 14);
  return new Uint8Array(b);
}

describe('audioFileDuration', () => {
  it('reads a PCM WAV exactly: frames ÷ sample rate, whatever the rate, channels and sample size', () => {
    expect(audioFileDuration(sineWav({ seconds: 2.5 }))).toBe(2.5);
    expect(audioFileDuration(sineWav({ seconds: 1.25, sampleRate: 44_100, channels: 2 }))).toBe(55_125 / 44_100);
    expect(audioFileDuration(sineWav({ seconds: 0.5, sampleRate: 8000, bitsPerSample: 8 }))).toBe(0.5);
    expect(audioFileDuration(sineWav({ seconds: 3, sampleRate: 48_000, channels: 2, bitsPerSample: 24 }))).toBe(3);
  });

  it('walks past other chunks (LIST, odd sizes padded) to `data`', () => {
    expect(audioFileDuration(sineWav({ seconds: 1, extraChunk: { id: 'LIST', data: new Uint8Array(7) } }))).toBe(1);
  });

  it('counts the bytes present when the header claims more (a cut or streamed WAV)', () => {
    const wav = Buffer.from(sineWav({ seconds: 2 }));
    wav.writeUInt32LE(0xffffffff, 40);
    expect(audioFileDuration(new Uint8Array(wav.subarray(0, 44 + 16_000 * 2)))).toBe(1);
  });

  it('reads FLAC STREAMINFO', () => {
    expect(audioFileDuration(flacHeader(44_100, 441_000))).toBe(10);
    expect(audioFileDuration(flacHeader(16_000, 0))).toBeUndefined();
  });

  it('gives undefined for other formats and broken headers', () => {
    expect(audioFileDuration(new Uint8Array(Buffer.from('ID3\x04\x00\x00\x00\x00\x00\x00 mp3 frames…')))).toBeUndefined();
    expect(audioFileDuration(new Uint8Array(Buffer.from('RIFF\x00\x00\x00\x00WAVE')))).toBeUndefined();
    expect(audioFileDuration(new Uint8Array(0))).toBeUndefined();
  });
});

describe('subtitleDuration', () => {
  it('is the largest timestamp of an srt or vtt transcript, as LiteLLM reads it', () => {
    expect(subtitleDuration('1\n00:00:00,000 --> 00:00:04,200\nHi\n\n2\n00:00:04,200 --> 00:01:02,345\nthere\n')).toBe(62.345);
    expect(subtitleDuration('WEBVTT\n\n00:00:00.000 --> 01:00:00.500\nlong\n')).toBe(3600.5);
    expect(subtitleDuration('plain text')).toBeUndefined();
  });
});
