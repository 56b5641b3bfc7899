# odin.sh -- Odin's in-job library for bash and POSIX sh: source it, then record what the job sees.
#
#   . odin.sh                                    # Odin puts this folder on PATH; by hand: . /path/to/odin.sh
#   odin_watch files_left "$count"               # a number is recorded as a number, anything else as text
#   if odin_condition "disk has room" [ "$free" -gt 100 ]; then ...   # runs the test, records and returns it
#   cp a b; odin_condition "copied"              # no command: records the status of the previous one
#   odin_result "rotated the token"             # ends the job: exit 0, or 1 when the last condition was false
#   odin_result "gave up" false                  # ... or as told (true/false)
#
# Under Odin, each record is one JSON line on the pipe numbered in ODIN_RECORD_FD (record protocol, version 1).
# Run by hand (no ODIN_RECORD_FD, or after odin_mock), each record is printed readably to stderr: the local
# test mode. Only the odin_* functions and _odin_* variables are defined. Records made in a subshell (inside
# $(...) or a pipeline) are sent, but the last condition they set is not seen by the parent shell.

_odin_last_condition=
_odin_local=1
case ${ODIN_RECORD_FD-} in
  ''|*[!0-9]*) ;;
  *) if [ -p "/dev/fd/$ODIN_RECORD_FD" ] || [ -S "/dev/fd/$ODIN_RECORD_FD" ]; then _odin_local=; fi ;;
esac

# _odin_json VALUE: sets _odin_out to VALUE as a JSON string (quotes included).
if [ -n "${BASH_VERSION-}" ]; then
  # bash: parameter expansion, no process started. Kept in eval so that sh never parses it.
  eval '
  _odin_ctl=$'"'"'\001\002\003\004\005\006\007\010\013\014\016\017\020\021\022\023\024\025\026\027\030\031\032\033\034\035\036\037'"'"'
  _odin_json() {
    _odin_out=${1//\\/\\\\}
    _odin_out=${_odin_out//\"/\\\"}
    _odin_out=${_odin_out//$'"'"'\n'"'"'/\\n}
    _odin_out=${_odin_out//$'"'"'\t'"'"'/\\t}
    _odin_out=${_odin_out//$'"'"'\r'"'"'/\\r}
    case $_odin_out in
      *["$_odin_ctl"]*)
        _odin_i=0
        while [ $_odin_i -lt ${#_odin_ctl} ]; do
          _odin_c=${_odin_ctl:_odin_i:1}
          printf -v _odin_code "\\\\u%04x" "'"'"'$_odin_c"
          _odin_out=${_odin_out//"$_odin_c"/$_odin_code}
          _odin_i=$((_odin_i + 1))
        done ;;
    esac
    _odin_out="\"$_odin_out\""
  }'
else
  _odin_json() {
    case $1 in
      *[\"\\]*|*[[:cntrl:]]*)
        _odin_out=$(_ODIN_S=$1 awk 'BEGIN {
          for (i = 1; i < 32; i++) code[sprintf("%c", i)] = sprintf("\\u%04x", i)
          code["\n"] = "\\n"; code["\t"] = "\\t"; code["\r"] = "\\r"; code["\""] = "\\\""; code["\\"] = "\\\\"
          s = ENVIRON["_ODIN_S"]; n = length(s); out = ""
          for (i = 1; i <= n; i++) { c = substr(s, i, 1); out = out ((c in code) ? code[c] : c) }
          printf "\"%s\"", out
        }') ;;
      *) _odin_out="\"$1\"" ;;
    esac
  }
fi

# _odin_now: sets _odin_time to the current UTC time, ISO-8601 with microseconds and "Z".
if [ -n "${EPOCHREALTIME-}" ]; then
  eval '
  _odin_now() {
    _odin_e=$EPOCHREALTIME
    TZ=UTC0 printf -v _odin_time "%(%Y-%m-%dT%H:%M:%S)T.%sZ" "${_odin_e%[.,]*}" "${_odin_e#*[.,]}"
  }'
else
  _odin_now() {
    _odin_time=$(date -u +%Y-%m-%dT%H:%M:%S.%6NZ)
  }
fi

# _odin_is_number TEXT: true when TEXT is a JSON number (so it is recorded as one).
_odin_is_number() {
  _odin_n=${1#-}
  case $_odin_n in
    0|0[.eE]*) _odin_n=${_odin_n#0} ;;
    [1-9]*) _odin_n=${_odin_n#"${_odin_n%%[!0-9]*}"} ;;
    *) return 1 ;;
  esac
  case $_odin_n in
    .[0-9]*) _odin_n=${_odin_n#.}; _odin_n=${_odin_n#"${_odin_n%%[!0-9]*}"} ;;
    .*) return 1 ;;
  esac
  case $_odin_n in
    [eE]*)
      _odin_n=${_odin_n#?}
      case $_odin_n in [+-]*) _odin_n=${_odin_n#?} ;; esac
      case $_odin_n in [0-9]*) _odin_n=${_odin_n#"${_odin_n%%[!0-9]*}"} ;; *) return 1 ;; esac ;;
  esac
  [ -z "$_odin_n" ]
}

# _odin_show KIND NAME VALUE-AS-JSON [SUCCESS [MESSAGE]]: a record as the Python library prints it locally.
_odin_show() {
  case $1 in
    result) printf 'odin: result (%s): %s\n' "$([ "$4" = true ] && echo success || echo failure)" "$5" >&2 ;;
    condition) printf 'odin: condition (%s) is %s\n' "$2" "$3" >&2 ;;
    *) printf 'odin: %s %s = %s\n' "$1" "$2" "$3" >&2 ;;
  esac
}

# _odin_send KIND NAME VALUE-AS-JSON [SUCCESS [MESSAGE]]: writes one record.
_odin_send() {
  if [ -n "$_odin_local" ]; then
    _odin_show "$@"
    return 0
  fi
  _odin_now
  _odin_json "$2"
  _odin_line="{\"v\":1,\"kind\":\"$1\",\"name\":$_odin_out,\"value\":$3,\"time\":\"$_odin_time\"${4:+,\"success\":$4}}"
  if ! case $ODIN_RECORD_FD in
    [0-9]) eval 'printf "%s\n" "$_odin_line" 2>/dev/null >&'"$ODIN_RECORD_FD" ;;
    *) { printf '%s\n' "$_odin_line" >>"/dev/fd/$ODIN_RECORD_FD"; } 2>/dev/null ;;
  esac; then
    # The wrapper's pipe is gone: say so once, then keep the records readable on stderr.
    echo 'odin: the record pipe is gone; records now go to stderr' >&2
    _odin_local=1
    _odin_show "$@"
  fi
}

# odin_watch NAME VALUE: records VALUE under NAME.
odin_watch() {
  if [ $# -ne 2 ]; then
    echo 'odin_watch: usage: odin_watch NAME VALUE' >&2
    return 2
  fi
  if _odin_is_number "$2"; then
    _odin_send watch "$1" "$2"
  else
    _odin_json "$2"
    _odin_send watch "$1" "$_odin_out"
  fi
}

# odin_condition DESCRIPTION [COMMAND [ARGS...]]: runs COMMAND (or takes the status of the previous command),
# records whether it succeeded, and returns 0 when it did, 1 when not.
odin_condition() {
  _odin_status=$?
  if [ $# -eq 0 ]; then
    echo 'odin_condition: usage: odin_condition DESCRIPTION [COMMAND [ARGS...]]' >&2
    return 2
  fi
  _odin_description=$1
  shift
  if [ $# -gt 0 ]; then
    if "$@"; then _odin_status=0; else _odin_status=1; fi
  fi
  if [ "$_odin_status" -eq 0 ]; then _odin_last_condition=true; else _odin_last_condition=false; fi
  _odin_send condition "$_odin_description" "$_odin_last_condition"
  [ "$_odin_last_condition" = true ]
}

# odin_result MESSAGE [true|false]: records the job's final message and ends the job (exit 0, or 1 on failure).
# Success is the last recorded condition (true when none was recorded) unless given.
odin_result() {
  case ${2-} in
    '') _odin_success=${_odin_last_condition:-true} ;;
    true|yes|1) _odin_success=true ;;
    false|no|0) _odin_success=false ;;
    *)
      printf 'odin_result: success must be true or false, not %s\n' "$2" >&2
      exit 2 ;;
  esac
  _odin_json "${1-}"
  _odin_send result result "$_odin_out" "$_odin_success" "${1-}"
  if [ "$_odin_success" = true ]; then exit 0; else exit 1; fi
}

# odin_mock: local test mode from now on, even under Odin: records print to stderr and nothing is sent.
odin_mock() {
  _odin_local=1
}
