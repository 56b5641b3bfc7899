# Replaces the token in TOKEN_FILE with a fresh one when fewer than REFRESH_BEFORE seconds are left.
# The file holds "token=..." and "expires=<seconds since 1970>"; the new one is written beside it and renamed
# over it, so a reader never sees half a token.
. odin.sh

token_file=${TOKEN_FILE:-/var/lib/odin-demo/token}
refresh_before=${REFRESH_BEFORE:-900}
lifetime=${TOKEN_LIFETIME:-3600}
now=$(date +%s)

expires=$now
if [ -r "$token_file" ]; then
  while IFS='=' read -r key value; do
    [ "$key" = expires ] && expires=$value
  done < "$token_file"
fi
seconds_left=$((expires - now))
odin_watch seconds_left "$seconds_left"

if odin_condition "token is fresh" [ "$seconds_left" -gt "$refresh_before" ]; then
  odin_watch rotated 0
  odin_result "token valid for another ${seconds_left}s, nothing to do"
fi

folder=$(dirname "$token_file")
mkdir -p "$folder"
new=$(mktemp "$folder/.token.XXXXXX") || odin_result "cannot write in $folder" false
trap 'rm -f "$new"' EXIT
token=$(od -An -N32 -tx1 /dev/urandom | tr -d ' \n')
new_expires=$((now + lifetime))
printf 'token=%s\nexpires=%s\n' "$token" "$new_expires" > "$new"
chmod 600 "$new"
if ! mv -f "$new" "$token_file"; then
  odin_result "could not replace $token_file" false
fi
trap - EXIT
echo "rotated $token_file"

odin_watch rotated 1
odin_watch new_seconds_left "$lifetime"
odin_condition "new token in place" grep -q "^expires=$new_expires\$" "$token_file"
odin_result "rotated the token, it expires at $(date -u -d "@$new_expires" '+%Y-%m-%d %H:%M UTC')"
