/**
 * The last slice of a budget goes to one call at a time. A slice can be smaller than the call's
 * cost; if each call settling freed room for another slice while earlier slice holders were still
 * in flight, every one of them could go past the budget (seen in CI: 23 calls admitted against a
 * budget worth 20 with a one-call bound).
 */
import { describe, expect, it } from 'vitest';
import { MemoryCounters } from '@sluice/plugin-sdk/node';
import { budgetLimitsOf, type BudgetLimit } from '../src/budget-limits.js';
import { WindowCounters, type Held } from '../src/window-counters.js';
import type { WindowSpendLedger } from '../src/window-spend-ledger.js';

const quiet = { warn() {}, info() {}, debug() {}, error() {} } as never;
const noSpendYet = { spendOf: async () => 0 } as unknown as WindowSpendLedger;

function setup(budget: number) {
  const windows = new WindowCounters(new MemoryCounters(), noSpendYet, quiet, () => 1_000);
  const limits: BudgetLimit[] = budgetLimitsOf([{ kind: 'team', id: 'slices', maxBudget: budget }], 'm', 1_000)!;
  const admit = async (estimate: number): Promise<Held | undefined> => {
    const r = await windows.reserve(limits, estimate);
    return 'held' in r ? r.held[0] : undefined;
  };
  return { windows, limit: limits[0]!, admit };
}

describe('budget slices', () => {
  it('while one call holds the last slice, a call that does not fit whole is refused; once it settles the next one may take a slice', async () => {
    const { windows, limit, admit } = setup(40);
    const whole = await Promise.all(Array.from({ length: 5 }, () => admit(7)));
    expect(whole.map((h) => h?.amount)).toEqual([7, 7, 7, 7, 7]);
    const slice = await admit(7);
    expect(slice).toMatchObject({ amount: 5 });
    expect(slice!.sliceLock).toEqual(expect.any(String));

    // A whole reservation settles below its estimate: room opens, but only for a slice.
    await windows.settle(limit, whole[0]!, 2);
    expect(await admit(7)).toBeUndefined();

    await windows.settle(limit, slice!, 2); // 4 × 7 held + 2 + 2 spent = 32
    expect(await admit(7)).toEqual({ amount: 7 });
    const next = await admit(7);
    expect(next).toMatchObject({ amount: 1, sliceLock: expect.any(String) });
  });

  it('a refused call gives back its slice and its lock', async () => {
    const windows = new WindowCounters(new MemoryCounters(), noSpendYet, quiet, () => 1_000);
    const limits = budgetLimitsOf(
      [
        { kind: 'team', id: 'roomy', maxBudget: 10 },
        { kind: 'key', id: 'full', maxBudget: 1 },
      ],
      'm',
      1_000,
    )!;
    const [team, key] = [limits.find((l) => l.kind === 'team')!, limits.find((l) => l.kind === 'key')!];
    expect(await windows.reserve([team], 5)).toEqual({ held: [{ amount: 5 }] });
    expect(await windows.reserve([key], 1)).toEqual({ held: [{ amount: 1 }] });
    // The team has 5 left (a slice); the key has nothing left: refused on the key.
    const refused = await windows.reserve([team, key], 8);
    expect(refused).toMatchObject({ refusal: { limit: { kind: 'key' } } });
    // The team's slice and its lock were given back: the next call takes the same slice.
    expect(await windows.reserve([team], 8)).toMatchObject({ held: [{ amount: 5, sliceLock: expect.any(String) }] });
  });

  it('in the worst orders of admissions and settlements, spend stays within the budget plus one call', async () => {
    const BUDGET = 40;
    const ESTIMATE = 7;
    const COST = 2;
    let seed = 7;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let round = 0; round < 200; round++) {
      const { windows, limit, admit } = setup(BUDGET);
      const inFlight: Held[] = [];
      let admitted = 0;
      for (let step = 0; step < 400; step++) {
        // Mostly new calls while many are in flight, as in a burst of 200 against two instances.
        if (inFlight.length === 0 || random() < 0.6) {
          const held = await admit(ESTIMATE);
          if (held) {
            inFlight.push(held);
            admitted++;
          }
        } else {
          // The worst order for the budget: whole reservations settle first (each frees room for
          // a slice) while slice holders stay in flight; otherwise any call.
          const largest = inFlight.reduce((best, h, i) => (h.amount > inFlight[best]!.amount ? i : best), 0);
          const [done] = inFlight.splice(random() < 0.8 ? largest : Math.floor(random() * inFlight.length), 1);
          await windows.settle(limit, done!, COST);
        }
      }
      for (const held of inFlight) await windows.settle(limit, held, COST);
      expect(admitted * COST).toBeLessThanOrEqual(BUDGET + COST);
    }
  });
});
