// Runs every compiled test file with uvu and ends with the one summary line CI reads.
// Usage: node test/run.mjs [pattern]   (pattern filters test file names, a regex)
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
// Only compiled test files, never their .d.ts or .map; an argument narrows the set further.
const pattern = process.argv[2] ? `^(?=.*(${process.argv[2]})).*\\.test\\.js$` : '\\.test\\.js$';
const child = spawn(process.execPath, ['--import', path.join(root, 'test/linger-report.mjs'), path.join(root, 'node_modules/uvu/bin.js'), 'dist/test', pattern, '--no-color'], {
  cwd: root,
  stdio: ['ignore', 'pipe', 'inherit'],
  env: { ...process.env, FORCE_COLOR: '0' },
});
let out = '';
let lingering;
child.stdout.on('data', (chunk) => {
  process.stdout.write(chunk);
  out += chunk.toString();
  // uvu prints its summary last; a process that stays on after it has a test's handle left open.
  if (!lingering && /Duration:/.test(out)) {
    lingering = setTimeout(() => {
      out += '\nthe tests finished but their process did not exit: a test left a connection or timer open\n';
      console.log('the tests finished but their process did not exit: a test left a connection or timer open');
      child.kill('SIGUSR2');
      setTimeout(() => child.kill('SIGKILL'), 1000);
    }, 20_000);
    lingering.unref();
  }
});
child.on('close', (code) => {
  // Each file ends its line of dots with "(passed / total)"; uvu's own summary undercounts
  // when a test fails, so the files' lines are summed instead.
  let total = 0;
  let passed = 0;
  for (const m of out.replace(/\x1b\[[0-9;]*m/g, '').matchAll(/\((\d+) \/ (\d+)\)\s*$/gm)) {
    passed += Number(m[1]);
    total += Number(m[2]);
  }
  const skipped = Number((out.match(/Skipped:\s+(\d+)/) ?? [])[1] ?? 0);
  const failed = Math.max(total - passed - skipped, code === 0 ? 0 : 1);
  clearTimeout(lingering);
  console.log(`tests: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
  process.exit(code === 0 && failed === 0 ? 0 : 1);
});
