// The conformance scenario for Node.js (CommonJS): every language's version must produce the same records.
const odin = require('odin');

const MESSAGE = 'he said "héllo"\n\tpath C:\\dir ✓ 🚀 bell\x07';
const count = 42;
console.log('scenario: checking 42 files');
odin.watch(count);
odin.watch(0.25, 'ratio');
odin.watch(-7, 'delta');
odin.watch(MESSAGE, 'message');
odin.watch('  spaced   out  ', 'spaces');
odin.condition(count === 42, 'files counted');
odin.condition(count < 10, 'größe < 10 "strict"');
console.log('scenario: done');
odin.result('checked 42 files\nzweite Zeile ✓');
