// The conformance scenario for Node.js (ES module): every language's version must produce the same records.
import { watch, condition, result } from 'odin';

const MESSAGE = 'he said "héllo"\n\tpath C:\\dir ✓ 🚀 bell\x07';
const count = 42;
console.log('scenario: checking 42 files');
watch(count);
watch(0.25, 'ratio');
watch(-7, 'delta');
watch(MESSAGE, 'message');
watch('  spaced   out  ', 'spaces');
condition(count === 42, 'files counted');
condition(count < 10, 'größe < 10 "strict"');
console.log('scenario: done');
result('checked 42 files\nzweite Zeile ✓');
