import { lintSource } from '@secretlint/core';
import { creator } from '@secretlint/secretlint-rule-preset-recommend';
import fs from 'node:fs';
const cfg = { rules: [{ id: '@secretlint/secretlint-rule-preset-recommend', rule: creator }] };
const lint = (s) => lintSource({ source: { content: s, filePath: '/p.txt', contentType: 'text' }, options: { config: cfg, noPhysicFilePath: true } });
const src = fs.readFileSync('/work/main/test/bench/hide-secrets.mjs','utf8');
const prompt = (await import('data:text/javascript,' + encodeURIComponent(src.split('const check =')[0].replace(/^import.*$/m,'') + '\nexport { prompt };'))).prompt;
const short = prompt.slice(0, 200);
const parts = Array.from({length: 50}, (_, i) => prompt.slice(i*200, i*200+200));
async function t(name, fn, n=2000) { for (let i=0;i<200;i++) await fn(); const a=[]; for (let i=0;i<n;i++){const s=process.hrtime.bigint(); await fn(); a.push(Number(process.hrtime.bigint()-s)/1000);} a.sort((x,y)=>x-y); console.log(name.padEnd(30), 'p50', a[n/2|0].toFixed(1), 'p99', a[n*0.99|0].toFixed(1)); }
await t('10kB one text', () => lint(prompt));
await t('200B one text', () => lint(short));
await t('50 x 200B', async () => { for (const p of parts) await lint(p); }, 300);
