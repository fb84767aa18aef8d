// Runs every compiled test file with uvu and ends with the one summary line CI reads.
// Usage: node test/run.mjs [pattern]   (pattern filters test file names, a regex)
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
// Only compiled test files, never their .d.ts or .map; an argument narrows the set further.
const pattern = process.argv[2] ? `^(?=.*(${process.argv[2]})).*\\.test\\.js$` : '\\.test\\.js$';
const child = spawn(process.execPath, [path.join(root, 'node_modules/uvu/bin.js'), 'dist/test', pattern, '--no-color'], {
  cwd: root,
  stdio: ['ignore', 'pipe', 'inherit'],
  env: { ...process.env, FORCE_COLOR: '0' },
});
let out = '';
child.stdout.on('data', (chunk) => {
  process.stdout.write(chunk);
  out += chunk.toString();
});
child.on('close', (code) => {
  const num = (label) => Number((out.match(new RegExp(`${label}:\\s+(\\d+)`)) ?? [])[1] ?? 0);
  const total = num('Total');
  const passed = num('Passed');
  const skipped = num('Skipped');
  const failed = Math.max(total - passed - skipped, code === 0 ? 0 : 1);
  console.log(`tests: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
  process.exit(code === 0 && failed === 0 ? 0 : 1);
});
