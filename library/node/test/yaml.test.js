'use strict';
const test = require('node:test');
const assert = require('node:assert');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { parseYaml } = require('../yaml.cjs');
const { loadConfig } = require('../config.cjs');

test('a job file is read into plain objects', () => {
  const text = `---
provider:
  name: "odin"   # a comment
  version: "1.0.0"
job:
  name: token_refresher
  retries: 3
  ratio: 0.5
  catch_up: yes
  user: ~
  env:
    TOKEN_FILE: '/var/lib/it''s'
    ESCAPED: "tab\\there \\u00e9"
  args: [--fast, "two words", 3]
  tags:
    - a
    - name: b
      level: 2
  script: |
    line one
    line two
  folded: >-
    one
    two
`;
  assert.deepStrictEqual(parseYaml(text), {
    provider: { name: 'odin', version: '1.0.0' },
    job: {
      name: 'token_refresher', retries: 3, ratio: 0.5, catch_up: true, user: null,
      env: { TOKEN_FILE: "/var/lib/it's", ESCAPED: 'tab\there é' },
      args: ['--fast', 'two words', 3],
      tags: ['a', { name: 'b', level: 2 }],
      script: 'line one\nline two\n',
      folded: 'one two',
    },
  });
});

test('plain scalars are typed as PyYAML types them', () => {
  const cases = { yes: true, Off: false, '0x1F': 31, '017': 15, '1_000': 1000, '-5': -5, '1.5': 1.5, '1e5': '1e5',
    '1.0e+3': 1000, 'null': null, '12:30': '12:30', 'hello world': 'hello world' };
  for (const [text, want] of Object.entries(cases)) assert.deepStrictEqual(parseYaml(`k: ${text}`).k, want, text);
});

test('what cannot be read is refused with its line', () => {
  const cases = [['a: 1\nb: &x 2\n', /^line 2: anchors/], ['a:\n\tb: 1\n', /^line 2: tabs/],
    ['a: 1\na: 2\n', /^line 2: key 'a' appears twice/], ['a: "open\n', /^line 1: a quoted string must end/],
    ['a: 1\n---\nb: 2\n', /^line 2: only one YAML document/], ['a: [1, 2\n', /^line 1: expected ','/],
    ['a: "bad \\q"\n', /^line 1: unknown escape/], ['a:\n  - 1\n b: 2\n', /^line 3: unexpected indentation/]];
  for (const [text, message] of cases) assert.throws(() => parseYaml(text), { message }, text);
});

test('config reads the job file and says what is wrong', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'odin-'));
  fs.writeFileSync(path.join(dir, 'job.yml'), 'job:\n  name: x\n');
  fs.writeFileSync(path.join(dir, 'list.yml'), '- a\n');
  assert.deepStrictEqual(loadConfig(path.join(dir, 'job.yml')), { job: { name: 'x' } });
  assert.throws(() => loadConfig(path.join(dir, 'list.yml')), /expected a YAML mapping/);
  assert.throws(() => loadConfig(path.join(dir, 'missing.yml')), /cannot read the job file \(ENOENT\)/);
});
