/**
 * SCIM paging (RFC 7644 §3.4.2.4): `startIndex` is 1-based (below 1 means 1), `count` is a page
 * size (negative means 0, capped at the server's maximum). The management list routes page by
 * page numbers, so a SCIM window is read from the one or two pages that hold it.
 */
import type { RouteRequest } from '@sluice/plugin-sdk';
import { ScimErrors } from './scim-errors.js';

/** The management list routes' largest page. */
const PAGE = 100;

export interface Window {
  startIndex: number;
  count: number;
}

function intParam(req: RouteRequest, name: string): number | undefined {
  const raw = req.query[name];
  const v = Array.isArray(raw) ? raw[0] : raw;
  if (v === undefined || v === '') return undefined;
  if (!/^-?\d+$/.test(v.trim())) throw ScimErrors.INVALID_VALUE({ reason: `${name} must be an integer, not ${JSON.stringify(v)}` });
  return Number(v);
}

export function windowOf(req: RouteRequest, defaultCount: number, maxCount: number): Window {
  const start = intParam(req, 'startIndex');
  const count = intParam(req, 'count');
  return {
    startIndex: start === undefined || start < 1 ? 1 : start,
    count: Math.min(Math.max(count ?? defaultCount, 0), maxCount),
  };
}

/** The items of `window` out of a listing read page by page (`fetch(page, size)`), and the total. */
export async function readWindow<T>(window: Window, fetch: (page: number, size: number) => Promise<{ items: T[]; total: number }>): Promise<{ items: T[]; total: number }> {
  if (window.count === 0) return { items: [], total: (await fetch(1, 1)).total };
  const offset = window.startIndex - 1;
  const items: T[] = [];
  let total = 0;
  for (let page = Math.floor(offset / PAGE) + 1; ; page++) {
    const r = await fetch(page, PAGE);
    total = r.total;
    const from = page === Math.floor(offset / PAGE) + 1 ? offset % PAGE : 0;
    items.push(...r.items.slice(from));
    if (items.length >= window.count || r.items.length < PAGE || page * PAGE >= total) break;
  }
  return { items: items.slice(0, window.count), total };
}

/** The window of an in-memory list (filter results). */
export function sliceWindow<T>(all: T[], window: Window): T[] {
  return all.slice(window.startIndex - 1, window.startIndex - 1 + window.count);
}
