// `npm run bench` (after `npm run build`): every benchmark script in turn, each in its own Node
// process, or only one family with a flag (npm passes what follows `--` here):
//   npm run bench                  the whole suite (run.mjs, then the component benchmarks)
//   npm run bench -- --curves      cost curves as work grows (curves.mjs), the table in README.md
//   npm run bench -- --soak        the governed target under steady load (soak.mjs; SOAK_MINUTES)
// A script that fails is reported and the others still run; the exit code is 1 if any failed.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const SUITE = ['run.mjs', 'sandbox-hook.mjs', 'router.mjs', 'hide-secrets.mjs', 'governance-hot-path.mjs', 'spend-log.mjs', 'anthropic-messages.mjs', 'jwt-auth.mjs', 'access-checks.mjs', 'prometheus-record.mjs'];
const ONLY = { '--curves': ['curves.mjs'], '--soak': ['soak.mjs'] };

const args = process.argv.slice(2);
const flag = args.find((a) => a in ONLY);
const unknown = args.filter((a) => !(a in ONLY));
if (unknown.length > 0) {
  process.stderr.write(`[bench] unknown argument(s): ${unknown.join(' ')} (known: ${Object.keys(ONLY).join(', ')})\n`);
  process.exit(2);
}
let failed = 0;
for (const script of flag ? ONLY[flag] : SUITE) {
  const r = spawnSync(process.execPath, ['--no-node-snapshot', join(here, script)], { stdio: 'inherit' });
  if (r.status !== 0) {
    failed++;
    process.stderr.write(`[bench] ${script} failed (exit ${r.status ?? r.signal})\n`);
  }
}
process.exit(failed > 0 ? 1 : 0);
