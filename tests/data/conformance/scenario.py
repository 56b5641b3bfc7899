"""The conformance scenario in Python: every language's version must produce the same records and output."""
import odin

MESSAGE = 'he said "héllo"\n\tpath C:\\dir ✓ 🚀 bell\x07'
count = 42
print("scenario: checking 42 files")
odin.watch(count)
odin.watch(0.25, "ratio")
odin.watch(-7, "delta")
odin.watch(MESSAGE, "message")
odin.watch("  spaced   out  ", "spaces")
odin.condition(count == 42, "files counted")
odin.condition(count < 10, 'größe < 10 "strict"')
print("scenario: done")
odin.result("checked 42 files\nzweite Zeile ✓")
