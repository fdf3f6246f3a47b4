// `npm run bench`: runs every benchmark the project has (each `bench:*` script in package.json)
// and prints one table. A benchmark reports figures by printing lines of the form
//   BENCH_JSON {"bench":"local","metric":"generation (provider)","value":26.1,"unit":"tok/s"}
// Everything else it prints passes through, so each benchmark stays readable on its own; lines that
// give a target's verdict (PASS or FAIL) are repeated under the table.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';

const { scripts } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
const only = process.argv.slice(2);
const benches = Object.keys(scripts).filter(
  (name) => name.startsWith('bench:') && (!only.length || only.includes(name.slice(6))),
);

const rows = [];
const verdicts = [];
const failures = [];
for (const name of benches) {
  console.log(`\n=== npm run ${name}`);
  const code = await new Promise((resolve) => {
    const child = spawn('npm', ['run', '--silent', name], { stdio: ['ignore', 'pipe', 'inherit'] });
    let pending = '';
    child.stdout.on('data', (data) => {
      pending += data;
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        if (line.startsWith('BENCH_JSON ')) {
          try {
            rows.push(JSON.parse(line.slice('BENCH_JSON '.length)));
            continue;
          } catch {
            // Not ours after all: print it.
          }
        }
        if (/\b(PASS|FAIL)\b/.test(line)) verdicts.push(`${name.slice(6).padEnd(10)} ${line.trim()}`);
        console.log(line);
      }
    });
    child.on('close', (exitCode) => {
      if (pending) console.log(pending);
      resolve(exitCode);
    });
  });
  if (code !== 0) failures.push(name);
}

console.log('\n=== Summary');
const widths = [10, 52, 14, 10];
const format = (cells) => cells.map((cell, i) => String(cell).padEnd(widths[i])).join(' ');
console.log(format(['bench', 'metric', 'value', 'unit']));
console.log(format(widths.map((width) => '-'.repeat(width))));
for (const row of rows) {
  const value = typeof row.value === 'number' ? Number(row.value.toPrecision(4)).toLocaleString('en-US') : row.value;
  console.log(format([row.bench, row.metric, value, row.unit ?? '']));
}
if (verdicts.length) {
  console.log('\n=== Targets');
  for (const line of verdicts) console.log(line);
}
if (failures.length) {
  console.error(`\nfailed: ${failures.join(', ')}`);
  process.exitCode = 1;
}
