# The conformance scenario for bash and sh: every language's version must produce the same records and output.
. odin.sh

message=$(printf '%s\n\t%s\007' 'he said "héllo"' 'path C:\dir ✓ 🚀 bell')
count=42
echo "scenario: checking 42 files"
odin_watch count "$count"
odin_watch ratio 0.25
odin_watch delta -7
odin_watch message "$message"
odin_watch spaces '  spaced   out  '
odin_condition "files counted" [ "$count" -eq 42 ]
odin_condition 'größe < 10 "strict"' [ "$count" -lt 10 ]
echo "scenario: done"
odin_result "$(printf 'checked 42 files\nzweite Zeile ✓')"
