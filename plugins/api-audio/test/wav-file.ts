/** A real WAV file built in the test: a PCM sine wave behind a RIFF/WAVE header, of a known duration. */

export interface WavOptions {
  seconds: number;
  sampleRate?: number;
  channels?: number;
  bitsPerSample?: 8 | 16 | 24 | 32;
  frequency?: number;
  /** Extra chunks between `fmt ` and `data` (a `LIST` chunk as many encoders write), to test the chunk walk. */
  extraChunk?: { id: string; data: Uint8Array };
}

export function sineWav({ seconds, sampleRate = 16_000, channels = 1, bitsPerSample = 16, frequency = 440, extraChunk }: WavOptions): Uint8Array {
  const frames = Math.round(seconds * sampleRate);
  const bytesPerSample = bitsPerSample / 8;
  const blockAlign = channels * bytesPerSample;
  const dataBytes = frames * blockAlign;
  const extraBytes = extraChunk ? 8 + extraChunk.data.byteLength + (extraChunk.data.byteLength % 2) : 0;
  const out = Buffer.alloc(44 + extraBytes + dataBytes);
  out.write('RIFF', 0, 'ascii');
  out.writeUInt32LE(36 + extraBytes + dataBytes, 4);
  out.write('WAVE', 8, 'ascii');
  out.write('fmt ', 12, 'ascii');
  out.writeUInt32LE(16, 16);
  out.writeUInt16LE(1, 20); // PCM
  out.writeUInt16LE(channels, 22);
  out.writeUInt32LE(sampleRate, 24);
  out.writeUInt32LE(sampleRate * blockAlign, 28);
  out.writeUInt16LE(blockAlign, 32);
  out.writeUInt16LE(bitsPerSample, 34);
  let at = 36;
  if (extraChunk) {
    out.write(extraChunk.id, at, 'ascii');
    out.writeUInt32LE(extraChunk.data.byteLength, at + 4);
    out.set(extraChunk.data, at + 8);
    at += extraBytes;
  }
  out.write('data', at, 'ascii');
  out.writeUInt32LE(dataBytes, at + 4);
  at += 8;
  const peak = 2 ** (bitsPerSample - 1) - 1;
  for (let i = 0; i < frames; i++) {
    const value = Math.round(Math.sin((2 * Math.PI * frequency * i) / sampleRate) * peak * 0.5);
    for (let c = 0; c < channels; c++) {
      if (bitsPerSample === 8) out.writeUInt8(value + 128, at);
      else out.writeIntLE(value, at, bytesPerSample);
      at += bytesPerSample;
    }
  }
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}
