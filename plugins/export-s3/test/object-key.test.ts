/** LiteLLM's S3 key layout and its bounds, without a server. */
import { describe, expect, it } from 'vitest';
import { downloadFileName, MAX_S3_OBJECT_KEY_BYTES, s3ObjectKey } from '../src/object-key.js';

const payload = (id: string, team: string | null = null, key: string | null = null) => ({
  id,
  startTime: Date.UTC(2026, 11, 7, 9, 5, 3, 42) / 1000,
  metadata: { user_api_key_team_alias: team, user_api_key_alias: key },
});

describe('s3ObjectKey', () => {
  it('builds {s3_path}/{team}/{key}/{date}/time-{HH-MM-SS-ffffff}_{id}.json', () => {
    expect(s3ObjectKey(payload('req-1', 'Research', 'bot'), { s3Path: 'logs/', teamPrefix: true, keyPrefix: true })).toBe('logs/Research/bot/2026-12-07/time-09-05-03-042000_req-1.json');
    expect(s3ObjectKey(payload('req-1', 'Research', 'bot'), { teamPrefix: false, keyPrefix: false })).toBe('2026-12-07/time-09-05-03-042000_req-1.json');
  });

  it("replaces / in the id and bounds a long key to S3's 1024 bytes, keeping the prefix", () => {
    expect(s3ObjectKey(payload('a/b'), { teamPrefix: false, keyPrefix: false })).toBe('2026-12-07/time-09-05-03-042000_a_b.json');
    const long = s3ObjectKey(payload('é'.repeat(900)), { s3Path: 'archive', teamPrefix: false, keyPrefix: false });
    expect(Buffer.byteLength(long)).toBeLessThanOrEqual(MAX_S3_OBJECT_KEY_BYTES);
    expect(long).toMatch(/^archive\/2026-12-07\/time-09-05-03-042000_é+_[0-9a-f]{64}\.json$/);
  });

  it("names the download like LiteLLM's Content-Disposition filename", () => {
    expect(downloadFileName(payload('x"y/z'))).toBe('time-2026-12-07T09-05-03-042000_x_y_z.json');
  });
});
