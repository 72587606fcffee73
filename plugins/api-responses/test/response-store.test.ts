/**
 * The store on both databases: ownership (creator, its team's admins, proxy admins; nobody else),
 * the conversation of a previous_response_id chain, the size bound, retention and its purge.
 */
import type { Knex } from 'knex';
import type { Principal } from '@sluice/plugin-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DATABASE_BACKENDS } from '../../../test/support/database-backends.js';
import { MIGRATIONS } from '../src/migrations.js';
import { ResponseStore } from '../src/response-store.js';

const owner: Principal = { id: 'key-a', authenticatedBy: 'test', role: 'internal_user', teamId: 'team-1' };
const stranger: Principal = { id: 'key-b', authenticatedBy: 'test', role: 'internal_user', teamId: 'team-1' };
const teamAdmin: Principal = { id: 'key-c', authenticatedBy: 'test', role: 'team_admin', adminOf: { teams: ['team-1'], organizations: [] } };
const otherTeamAdmin: Principal = { id: 'key-d', authenticatedBy: 'test', role: 'team_admin', adminOf: { teams: ['team-2'], organizations: [] } };
const admin: Principal = { id: 'master', authenticatedBy: 'test', role: 'proxy_admin' };

const user = (text: string) => ({ type: 'message', role: 'user', content: [{ type: 'input_text', text }] });
const answer = (text: string) => ({ output: [{ type: 'message', role: 'assistant', content: [{ type: 'output_text', text }] }] });

for (const backend of DATABASE_BACKENDS) {
  describe.skipIf(backend.skip !== undefined)(`response store on ${backend.name}`, () => {
    let db: { knex: Knex; drop(): Promise<void> };
    let now = 1_000_000;
    let store: ResponseStore;
    const row = (id: string, previous: string | null, input: string, output: string) => ({
      id,
      ownerId: owner.id,
      teamId: 'team-1',
      model: 'claude',
      deploymentId: 'dep-1',
      native: false,
      previousResponseId: previous,
      inputItems: [user(input)],
      response: answer(output),
    });

    beforeAll(async () => {
      db = await backend.open();
      for (const m of MIGRATIONS) await m.up(db.knex);
      store = new ResponseStore(db.knex, { maxBytes: 2000, retentionMs: 60_000 }, () => now);
    });
    afterAll(() => db?.drop());

    it('finds a response for its creator, its team admins and proxy admins only', async () => {
      await store.save(row('resp_own', null, 'hi', 'hello'));
      for (const p of [owner, teamAdmin, admin]) expect((await store.get('resp_own', p))?.id, p.id).toBe('resp_own');
      for (const p of [stranger, otherTeamAdmin]) expect(await store.get('resp_own', p), p.id).toBeUndefined();
    });

    it('rebuilds a chain oldest first, refuses one over the depth limit, and not across owners', async () => {
      await store.save(row('resp_1', null, 'one', 'uno'));
      await store.save(row('resp_2', 'resp_1', 'two', 'dos'));
      const conv = await store.conversation('resp_2', owner, { maxDepth: 10, maxChars: 100_000 });
      expect(conv).not.toBe('too_deep');
      const texts = (conv as unknown as { items: { content: { text: string }[] }[] }).items.map((i) => i.content[0]!.text);
      expect(texts).toEqual(['one', 'uno', 'two', 'dos']);
      expect(await store.conversation('resp_2', owner, { maxDepth: 1, maxChars: 100_000 })).toBe('too_deep');
      expect(await store.conversation('resp_2', owner, { maxDepth: 10, maxChars: 200 })).toBe('too_large');
      expect(await store.conversation('resp_2', stranger, { maxDepth: 10, maxChars: 100_000 })).toBeUndefined();
    });

    it('keeps only ownership for a response over max bytes (no conversation from it)', async () => {
      expect(await store.save(row('resp_big', null, 'x'.repeat(3000), 'y'))).toBe(false);
      const got = await store.get('resp_big', owner);
      expect(got).toMatchObject({ id: 'resp_big', deploymentId: 'dep-1' });
      expect(got!.inputItems).toBeUndefined();
      expect(await store.conversation('resp_big', owner, { maxDepth: 10, maxChars: 100_000 })).toBeUndefined();
    });

    it('forgets expired responses and purges them', async () => {
      await store.save(row('resp_old', null, 'old', 'old'));
      now += 60_001;
      expect(await store.get('resp_old', owner)).toBeUndefined();
      expect(await store.purgeExpired()).toBeGreaterThanOrEqual(1);
      expect(await db.knex('sluice_responses').where({ id: 'resp_old' }).first()).toBeUndefined();
    });
  });
}
