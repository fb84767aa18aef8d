// ZooKeeper's path rules.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { nameOf, parentOf, validateCreatePath, validatePath } from '../storage/paths.js';

test('valid paths', () => {
  for (const p of ['/', '/a', '/a/b.c', '/a/..b', '/a/.b', '/with space/ü/日本', '/a-b_c:d@e']) validatePath(p);
});

test('invalid paths are BADARGUMENTS', () => {
  for (const p of ['', 'a', 'a/b', '/a/', '//', '/a//b', '/a/./b', '/a/../b', '/.', '/..', '/a\u0000b', '/a\u0001', '/a\u007f', '/a\ud800', '/a\ufff5', '/' + 'x'.repeat(4096)]) {
    assert.throws(() => validatePath(p), /BADARGUMENTS/, JSON.stringify(p));
  }
});

test('a sequential create may end in /', () => {
  validateCreatePath('/q/', true);
  assert.throws(() => validateCreatePath('/q/', false), /BADARGUMENTS/);
});

test('parentOf and nameOf', () => {
  assert.is(parentOf('/a'), '/');
  assert.is(parentOf('/a/b/c'), '/a/b');
  assert.is(nameOf('/a/b/c'), 'c');
  assert.is(parentOf('/q/'), '/q');
});

test.run();
