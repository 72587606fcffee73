// Summarise a V8 .cpuprofile (from `node --cpu-prof`) by self time and by inclusive time per
// function, and by self time per file/package. Usage:
//   node test/bench/cpuprofile-summary.mjs <file.cpuprofile> [topN=30] [--callers functionName]
// --callers prints, for the functions whose name contains the given text, the call stacks (5
// frames up) that their self time came from.
// Profile Sluice under load with: BENCH_CPU_PROF=/tmp/prof BENCH_TARGETS=bare,sluice BENCH_PHASES=c50 npm run bench
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';

const args = process.argv.slice(2);
const callersIdx = args.indexOf('--callers');
const callersOf = callersIdx >= 0 ? args.splice(callersIdx, 2)[1] : undefined;
const [file, topArg] = args;
if (!file) {
  process.stderr.write('usage: node cpuprofile-summary.mjs <file.cpuprofile> [topN] [--callers functionName]\n');
  process.exit(2);
}
const top = Number(topArg ?? 30);
const prof = JSON.parse(readFileSync(file, 'utf8'));
const cwd = process.cwd();

const byId = new Map(prof.nodes.map((n) => [n.id, n]));
const parent = new Map();
for (const n of prof.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

// Self time per node from samples and timeDeltas (µs).
const selfUs = new Map();
let totalUs = 0;
for (let i = 0; i < prof.samples.length; i++) {
  const dt = prof.timeDeltas[i] ?? 0;
  totalUs += dt;
  selfUs.set(prof.samples[i], (selfUs.get(prof.samples[i]) ?? 0) + dt);
}

const shortUrl = (url) => {
  if (!url) return '';
  const p = url.replace(/^file:\/\//, '');
  const nm = p.lastIndexOf('node_modules/');
  if (nm >= 0) return p.slice(nm + 'node_modules/'.length);
  return p.startsWith('/') ? relative(cwd, p) : p;
};
const keyOf = (n) => {
  const cf = n.callFrame;
  const name = cf.functionName || '(anonymous)';
  return cf.url ? `${name} ${shortUrl(cf.url)}:${cf.lineNumber + 1}` : name;
};
const pkgOf = (n) => {
  const url = n.callFrame.url;
  if (!url) return n.callFrame.functionName.startsWith('(') ? n.callFrame.functionName : '(native/builtin)';
  const p = url.replace(/^file:\/\//, '');
  const nm = p.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const rest = p.slice(nm + 'node_modules/'.length).split('/');
    return rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
  }
  if (p.startsWith('node:')) return p;
  return shortUrl(p);
};

const self = new Map();
const incl = new Map();
const pkg = new Map();
for (const [id, us] of selfUs) {
  const n = byId.get(id);
  self.set(keyOf(n), (self.get(keyOf(n)) ?? 0) + us);
  pkg.set(pkgOf(n), (pkg.get(pkgOf(n)) ?? 0) + us);
  // Inclusive: charge every distinct function on the stack once.
  const seen = new Set();
  for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
    const k = keyOf(byId.get(cur));
    if (seen.has(k)) continue;
    seen.add(k);
    incl.set(k, (incl.get(k) ?? 0) + us);
  }
}

const idle = self.get('(idle)') ?? 0;
const busy = totalUs - idle;
const pctOf = (us) => ((100 * us) / busy).toFixed(1).padStart(5);
const ms = (us) => (us / 1000).toFixed(0).padStart(7);
const print = (title, map, n) => {
  process.stdout.write(`\n${title}\n`);
  for (const [k, us] of [...map].filter(([k]) => k !== '(idle)').sort((a, b) => b[1] - a[1]).slice(0, n)) process.stdout.write(`${ms(us)} ms ${pctOf(us)}%  ${k}\n`);
};

process.stdout.write(`${file}\nwall ${(totalUs / 1e6).toFixed(2)} s, busy ${(busy / 1e6).toFixed(2)} s (${((100 * busy) / totalUs).toFixed(1)}%), idle ${(idle / 1e6).toFixed(2)} s; percentages are of busy time\n`);
print(`Top ${top} by self time`, self, top);
print('Self time by package / file', pkg, 25);
print(`Top ${top} by inclusive time`, incl, top);

if (callersOf) {
  const stacks = new Map();
  for (const [id, us] of selfUs) {
    const n = byId.get(id);
    if (!keyOf(n).includes(callersOf)) continue;
    const frames = [];
    for (let cur = id, i = 0; cur !== undefined && i < 6; cur = parent.get(cur), i++) frames.push(keyOf(byId.get(cur)));
    const k = frames.join('\n      <- ');
    stacks.set(k, (stacks.get(k) ?? 0) + us);
  }
  process.stdout.write(`\nSelf time of functions matching "${callersOf}", by stack\n`);
  for (const [k, us] of [...stacks].sort((a, b) => b[1] - a[1]).slice(0, 12)) process.stdout.write(`${ms(us)} ms ${pctOf(us)}%  ${k}\n`);
}
