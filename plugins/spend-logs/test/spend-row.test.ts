/**
 * A spend event as a log row, and log rows as rollup deltas, held to the straightforward versions
 * they were first written as (kept below as the reference): the fast paths must give the same
 * columns, the same JSON byte for byte, the same deltas in the same order, for every input.
 */
import { describe, expect, it } from 'vitest';
import type { SpendEvent } from '@sluice/plugin-sdk';
import { DAILY_KEYS, DAILY_TAG_KEYS } from '../src/migrations.js';
import { dailyDeltas, dailyTagDeltas, dayOf } from '../src/rollups.js';
import { spendLogRow, type SpendLogRow } from '../src/spend-row.js';
import { LOG_COLUMNS, logValues } from '../src/spend-writer.js';

// ---- The reference: spendLogRow's metadata and tags, and the rollup fold, as first written. ----

const SECRET_NAME = /key|token|secret|password|passwd|authorization|credential|cookie/i;

function refWithoutSecrets(value: unknown, depth = 0): unknown {
  if (depth > 8) return '[truncated]';
  if (Array.isArray(value)) return value.map((v) => refWithoutSecrets(v, depth + 1));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (!SECRET_NAME.test(k)) out[k] = refWithoutSecrets(v, depth + 1);
    return out;
  }
  return value;
}

function refJsonColumns(e: SpendEvent): { request_tags: string; metadata: string } {
  const { tags: _tags, ...requestMetadata } = (e.metadata ?? {}) as Record<string, unknown>;
  const metadata = { ...(refWithoutSecrets(requestMetadata) as object), stream: e.stream, overhead_ms: Math.round(e.overheadMs * 1000) / 1000 };
  return { request_tags: JSON.stringify([...new Set(e.tags)]), metadata: JSON.stringify(metadata) };
}

const refDayOf = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

type Totals = Record<'spend' | 'prompt_tokens' | 'completion_tokens' | 'total_tokens' | 'api_requests' | 'successful_requests' | 'failed_requests', number>;
const zero = (): Totals => ({ spend: 0, prompt_tokens: 0, completion_tokens: 0, total_tokens: 0, api_requests: 0, successful_requests: 0, failed_requests: 0 });

function refFold<K extends string>(keys: readonly K[], entries: [Record<K, unknown>, SpendLogRow][]): object[] {
  const out = new Map<string, Record<string, unknown> & Totals>();
  for (const [dims, r] of entries) {
    const id = keys.map((k) => dims[k]).join('\u0000');
    let acc = out.get(id);
    if (!acc) out.set(id, (acc = { ...dims, ...zero() }));
    acc.spend += r.spend;
    acc.prompt_tokens += r.prompt_tokens;
    acc.completion_tokens += r.completion_tokens;
    acc.total_tokens += r.total_tokens;
    acc.api_requests += 1;
    if (r.status === 'success') acc.successful_requests += 1;
    else acc.failed_requests += 1;
  }
  return [...out.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, v]) => v);
}

const refDaily = (rows: SpendLogRow[]) =>
  refFold(
    DAILY_KEYS,
    rows.map((r) => [
      {
        day: refDayOf(r.start_time),
        api_key: r.api_key,
        user_id: r.user_id ?? '',
        team_id: r.team_id ?? '',
        organization_id: r.organization_id ?? '',
        project_id: r.project_id ?? '',
        end_user: r.end_user ?? '',
        model: r.model,
        custom_llm_provider: r.custom_llm_provider ?? '',
      },
      r,
    ]),
  );

const refDailyTags = (rows: SpendLogRow[]) =>
  refFold(
    DAILY_TAG_KEYS,
    rows.flatMap((r) =>
      (JSON.parse(r.request_tags) as string[]).map((tag): [Record<(typeof DAILY_TAG_KEYS)[number], unknown>, SpendLogRow] => [
        { day: refDayOf(r.start_time), tag, api_key: r.api_key, user_id: r.user_id ?? '', team_id: r.team_id ?? '', organization_id: r.organization_id ?? '', model: r.model },
        r,
      ]),
    ),
  );

// ---- Inputs ----

/** Same content and same key order, numbers compared exactly (toStrictEqual alone ignores key order). */
const same = (actual: unknown, expected: unknown) => {
  expect(actual).toStrictEqual(expected);
  expect(JSON.stringify(actual)).toBe(JSON.stringify(expected));
};

const PRINCIPAL = { id: 'k1', authenticatedBy: 'test', role: 'internal_user', keyHash: 'h'.repeat(64), userId: 'u1', teamId: 't1' } as const;

function event(over: Partial<SpendEvent> = {}): SpendEvent {
  return {
    requestId: 'req-1',
    endpoint: 'chat',
    principal: PRINCIPAL,
    model: 'fake-model',
    deployment: { id: 'd1', modelName: 'fake-model', provider: 'openai', model: 'gpt', apiBase: 'https://user:pw@api.example.com/v1?key=x' },
    status: 'success',
    httpStatus: 200,
    stream: false,
    usage: { prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 },
    cost: 0.25,
    tags: [],
    user: undefined,
    scopes: [],
    state: {},
    startedAt: 1_700_000_000_000,
    endedAt: 1_700_000_000_250,
    overheadMs: 1.23456,
    metadata: {},
    ...over,
  } as SpendEvent;
}

describe('spendLogRow', () => {
  it("keys the row by the provider's response id, as LiteLLM's request_id, and records the cache's verdict", () => {
    const miss = spendLogRow(event({ responseId: 'chatcmpl-abc', cacheHit: false, cacheKey: 'ck-1', metadata: { session_id: 's-1' } }));
    expect(miss).toMatchObject({ request_id: 'req-1', response_id: 'chatcmpl-abc', cache_hit: 'False', cache_key: 'ck-1', session_id: 's-1' });
    // A hit answers with the stored response's id again: its row gets LiteLLM's `_cache_hit<time>` suffix.
    const hit = spendLogRow(event({ responseId: 'chatcmpl-abc', cacheHit: true, cacheKey: 'ck-1' }));
    expect(hit.response_id).toBe('chatcmpl-abc_cache_hit1700000000.25');
    expect(hit.cache_hit).toBe('True');
    expect(spendLogRow(event()).cache_hit).toBe('');
  });

  it('stores the call in its columns, in the column order of the spill file', () => {
    same(spendLogRow(event({ user: 'cust', errorCode: 'E' })), {
      request_id: 'req-1',
      call_type: 'acompletion',
      api_key: 'h'.repeat(64),
      key_alias: null,
      user_id: 'u1',
      team_id: 't1',
      organization_id: null,
      project_id: null,
      end_user: 'cust',
      model: 'fake-model',
      model_group: 'fake-model',
      model_id: 'd1',
      custom_llm_provider: 'openai',
      api_base: 'https://api.example.com/v1',
      prompt_tokens: 3,
      completion_tokens: 4,
      total_tokens: 7,
      spend: 0.25,
      request_tags: '[]',
      status: 'success',
      http_status: 200,
      error_code: 'E',
      start_time: 1_700_000_000_000,
      end_time: 1_700_000_000_250,
      request_duration_ms: 250,
      metadata: '{"stream":false,"overhead_ms":1.235}',
      response_id: null,
      cache_hit: '',
      cache_key: null,
      session_id: null,
      requester_ip_address: null,
      completion_start_time: null,
      messages: null,
      response: null,
      proxy_server_request: null,
    });
  });

  it('keeps the client address and the first chunk time of a stream', () => {
    expect(spendLogRow(event({ ip: '10.1.2.3', firstTokenAt: 1_700_000_000_100, stream: true }))).toMatchObject({ requester_ip_address: '10.1.2.3', completion_start_time: 1_700_000_000_100 });
  });

  const metadataCases: [string, unknown][] = [
    ['empty', {}],
    ['absent', undefined],
    ['null', null],
    ['tags only', { tags: ['a'] }],
    ['plain fields', { session_id: 's', n: 1, ok: true, nothing: null }],
    ['secrets at every level', { api_key: 'sk', Authorization: 'b', trace: { id: 't', user_token: 'x', deeper: [{ password: 'p', keep: 1 }] } }],
    ['stream and overhead_ms keep their place', { overhead_ms: 'mine', a: 1, stream: 'mine', b: 2 }],
    ['integer-like keys first', { b: 1, 2: 'two', a: 3, 1: 'one' }],
    ['an own __proto__ key', JSON.parse('{"a":1,"__proto__":{"x":1},"b":2}')],
    ['nested past the depth cut', { a: { b: { c: { d: { e: { f: { g: { h: { i: { j: 1 } } } } } } } } } }],
    ['arrays and holes', { list: [1, , { token: 1, x: 2 }, [3]] }], // eslint-disable-line no-sparse-arrays
    ['an array as metadata', ['x', { key: 1 }]],
    ['a string as metadata', 'ab'],
    ['undefined values', { a: undefined, b: [undefined] }],
  ];
  for (const [name, metadata] of metadataCases) {
    it(`metadata: ${name}`, () => {
      for (const stream of [false, true, undefined]) {
        const e = event({ metadata: metadata as Record<string, unknown>, stream: stream as boolean });
        same(spendLogRow(e).metadata, refJsonColumns(e).metadata);
      }
    });
  }

  it('metadata: overhead_ms rounded as before, however odd', () => {
    for (const overheadMs of [0, -0, -0.0001, 0.0004, 0.0005, 1e21, 123456.789012, NaN, Infinity, -Infinity, 2 ** 53]) {
      const e = event({ overheadMs });
      same(spendLogRow(e).metadata, refJsonColumns(e).metadata);
      const withField = event({ overheadMs, metadata: { a: 1 } });
      same(spendLogRow(withField).metadata, refJsonColumns(withField).metadata);
    }
  });

  it('request_tags: distinct, in first-seen order, whatever the list', () => {
    const many = Array.from({ length: 40 }, (_, i) => `t${i % 13}`);
    const lists: unknown[] = [[], ['a'], ['a', 'b'], ['a', 'a'], ['b', 'a', 'b', 'c', 'a'], many, ['é', '"q"', '\u0000', 'a\nb'], [1, '1'], [NaN, NaN], [undefined, null], [, 'a'], undefined, null]; // eslint-disable-line no-sparse-arrays
    for (const tags of lists) {
      const e = event({ tags: tags as string[] });
      same(spendLogRow(e).request_tags, refJsonColumns(e).request_tags);
    }
  });
});

describe('rollups', () => {
  const DAY = 86_400_000;
  const midnight = Date.UTC(2024, 1, 29);

  function rows(n: number, seed: number): SpendLogRow[] {
    let s = seed;
    const rand = (k: number) => ((s = (s * 1_103_515_245 + 12_345) % 2 ** 31) % k);
    const keys = ['k1', 'k2', 'k3', '', undefined, null];
    const tagLists = ['[]', '[]', '["a"]', '["a","b"]', '["b"]', '[ ]', '["a","a"]', '[null,"c"]'];
    return Array.from({ length: n }, (_, i) => {
      const base = spendLogRow(event({ requestId: `r${i}` }));
      return {
        ...base,
        api_key: keys[rand(keys.length)] as string,
        user_id: ['u1', 'u2', null][rand(3)]!,
        team_id: [null, 't1'][rand(2)]!,
        end_user: [null, 'c1', 'c2'][rand(3)]!,
        model: ['m1', 'm2'][rand(2)]!,
        custom_llm_provider: [null, 'openai'][rand(2)]!,
        status: rand(5) === 0 ? 'failure' : 'success',
        spend: rand(1000) / 7,
        prompt_tokens: rand(100),
        completion_tokens: rand(100),
        total_tokens: rand(200),
        request_tags: tagLists[rand(tagLists.length)]!,
        // Either side of a midnight, with fractions, so the day cache is crossed both ways.
        start_time: midnight + (rand(3) - 1) * DAY + rand(7) - 3 + (rand(2) ? 0.5 : 0),
      } as SpendLogRow;
    });
  }

  it('the deltas are the reference fold, in the same order, with the same sums', () => {
    for (let seed = 1; seed <= 40; seed++) {
      const batch = rows(300, seed);
      same(dailyDeltas(batch), refDaily(batch));
      same(dailyTagDeltas(batch), refDailyTags(batch));
    }
  });

  it('key columns that join to the same id still fold into one delta, as the joined id did', () => {
    const base = spendLogRow(event());
    const batch: SpendLogRow[] = [
      { ...base, api_key: 'a\u0000b', user_id: 'c', request_tags: JSON.stringify(['x\u0000y', 'z']) },
      { ...base, api_key: 'a', user_id: 'b\u0000c', request_tags: JSON.stringify(['x', 'y\u0000z']) },
      { ...base, api_key: 'a', user_id: 'c' },
      { ...base, api_key: 'a\u0000b', user_id: 'c' },
      { ...base, api_key: null as unknown as string, model: undefined as unknown as string },
      { ...base, api_key: '', model: '' },
      { ...base, api_key: undefined as unknown as string, model: null as unknown as string },
    ];
    same(dailyDeltas(batch), refDaily(batch));
    same(dailyTagDeltas(batch), refDailyTags(batch));
    expect(dailyDeltas(batch)).toHaveLength(3);
  });

  it('a key with many combinations (past the per-key memory) folds like the reference', () => {
    const base = spendLogRow(event({ tags: ['t'] }));
    const batch = Array.from({ length: 200 }, (_, i) => ({ ...base, end_user: `c${i % 23}`, model: `m${i % 3}` }));
    same(dailyDeltas(batch), refDaily(batch));
    same(dailyTagDeltas(batch), refDailyTags(batch));
  });

  it('request_tags that are not a JSON array fail the batch, as they did', () => {
    const base = spendLogRow(event());
    for (const request_tags of ['null', '"a"', '{}', 'not json']) {
      expect(() => refDailyTags([{ ...base, request_tags }])).toThrow();
      expect(() => dailyTagDeltas([{ ...base, request_tags }])).toThrow();
    }
  });
});

describe('dayOf', () => {
  it('is the UTC date of the instant, cached day or not', () => {
    const day = 86_400_000;
    const probes = [0, -0, 0.5, -0.5, -1, day - 1, day - 0.5, day, 1_700_000_000_000, Date.UTC(2024, 1, 29) - 1, Date.UTC(2024, 1, 29), 8.64e15 - day - 1, 8.64e15 - 1, 8.64e15, -8.64e15, 253_402_300_799_999, 253_402_300_800_000];
    // Each probe after each other probe, so every one is also answered from the previous one's cache.
    for (const a of probes) {
      for (const b of probes) {
        expect(dayOf(a)).toBe(refDayOf(a));
        expect(dayOf(b)).toBe(refDayOf(b));
      }
    }
  });

  it('still throws on instants that are no date, right after a nearby day was cached', () => {
    for (const bad of [NaN, Infinity, 8.64e15 + 1, -8.64e15 - 1]) {
      dayOf(8.64e15 - 1);
      dayOf(0);
      expect(() => refDayOf(bad)).toThrow(RangeError);
      expect(() => dayOf(bad)).toThrow(RangeError);
    }
  });
});

describe('spend writer', () => {
  it('binds a row in LOG_COLUMNS order', () => {
    const row = Object.fromEntries(LOG_COLUMNS.map((c) => [c, `v:${c}`])) as unknown as SpendLogRow;
    expect(logValues(row)).toEqual(LOG_COLUMNS.map((c) => `v:${c}`));
    expect(Object.keys(spendLogRow(event()))).toEqual([...LOG_COLUMNS]);
  });
});
