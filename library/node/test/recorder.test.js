'use strict';
const test = require('node:test');
const assert = require('node:assert');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { Recorder } = require('../recorder.cjs');
const { encodeRecord } = require('../record.cjs');
const { firstArgument } = require('../source.cjs');

function collect(local) {
  const lines = [];
  return { lines, recorder: new Recorder({ local, write: (text) => lines.push(text) }) };
}

test('a record line has the protocol fields in order', () => {
  const line = encodeRecord('result', 'result', 'done', true);
  assert.match(line, /^\{"v":1,"kind":"result","name":"result","value":"done","time":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z","success":true\}\n$/);
});

test('text round-trips exactly through JSON on one line', () => {
  for (const text of ['he said "héllo"', 'back\\slash', 'line\nbreak\ttab\rreturn', 'bell\x07 nul\x00', '✓ 🚀 日本語',
    '  spaced   out  ', '\u2028\u2029']) {
    const line = encodeRecord('watch', 'text', text);
    assert.strictEqual(line.indexOf('\n'), line.length - 1);
    assert.strictEqual(JSON.parse(line).value, text);
  }
});

test('values JSON cannot hold are recorded as the Python library records them', () => {
  const value = (v) => JSON.parse(encodeRecord('watch', 'x', v)).value;
  assert.strictEqual(value(NaN), 'NaN');
  assert.strictEqual(value(-Infinity), '-Infinity');
  assert.deepStrictEqual(value(new Set([1, 2])), [1, 2]);
  assert.deepStrictEqual(value(new Map([['a', 1]])), { a: 1 });
  assert.strictEqual(value(10n), 10);
  assert.strictEqual(value(2n ** 70n), '1180591620717411303424');
  assert.strictEqual(value(undefined), null);
  const cycle = {};
  cycle.self = cycle;
  assert.strictEqual(value(cycle), '[object Object]');
});

test('a result succeeds by default and follows the last condition', () => {
  const { lines, recorder } = collect(false);
  assert.strictEqual(recorder.result('nothing checked'), 0);
  recorder.condition('first', false);
  recorder.condition('second', true);
  assert.strictEqual(recorder.result('last was true'), 0);
  recorder.condition('third', 0);
  assert.strictEqual(recorder.result('last was false'), 1);
  assert.strictEqual(recorder.result('told', true), 0);
  const last = JSON.parse(lines[lines.length - 1]);
  assert.deepStrictEqual([last.kind, last.name, last.value, last.success], ['result', 'result', 'told', true]);
});

test('local mode prints what the Python library prints', () => {
  const { lines, recorder } = collect(true);
  recorder.watch('files', 3);
  recorder.watch('text', 'é "q"\n');
  recorder.condition('files < 100', true);
  recorder.result('all good');
  assert.deepStrictEqual(lines, ['odin: watch files = 3\n', 'odin: watch text = "é \\"q\\"\\n"\n',
    'odin: condition (files < 100) is true\n', 'odin: result (success): all good\n']);
});

test('a write error is kept and the job goes on', () => {
  const recorder = new Recorder({ local: false, write: () => { throw Object.assign(new Error('gone'), { code: 'EPIPE' }); } });
  recorder.losePipe = function losePipe() { this.local = true; };
  assert.strictEqual(recorder.watch('x', 1).code, 'EPIPE');
  assert.strictEqual(recorder.error.code, 'EPIPE');
  assert.strictEqual(recorder.local, true);
});

test('a regular file in ODIN_RECORD_FD is not taken for the wrapper pipe', () => {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'odin-')), 'f');
  const fd = fs.openSync(file, 'w');
  process.env.ODIN_RECORD_FD = String(fd);
  try {
    assert.strictEqual(new Recorder().local, true);
  } finally {
    delete process.env.ODIN_RECORD_FD;
    fs.closeSync(fd);
  }
});

test('the first argument of a call is read from its source text', () => {
  assert.strictEqual(firstArgument('const n = odin.watch(files.length);', 10), 'files.length');
  assert.strictEqual(firstArgument('odin.watch(f(a, ")"), "n")', 0), 'f(a, ")")');
  assert.strictEqual(firstArgument('if (odin.condition(\n  a &&\n  b)) {', 4), 'a && b');
  assert.strictEqual(firstArgument('watch(`t ) ${x}`)', 0), '`t ) ${x}`');
});

test('watch and condition name records after their argument and return it', () => {
  const odin = require('../odin.cjs');
  const recorder = odin.mock();
  const lines = [];
  recorder.write = (text) => lines.push(text);
  const items = [1, 2, 3];
  assert.strictEqual(odin.watch(items.length), 3);
  assert.strictEqual(odin.condition(items.length === 3), true);
  assert.strictEqual(odin.watch(items[0], 'first'), 1);
  assert.deepStrictEqual(lines, ['odin: watch items.length = 3\n', 'odin: condition (items.length === 3) is true\n',
    'odin: watch first = 1\n']);
});
