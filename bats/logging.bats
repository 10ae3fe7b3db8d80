#!/usr/bin/env bats
# --log, --log-format and --debug.

load helpers

setup() {
	common_setup || return 1
	LOG=$BATS_TEST_TMPDIR/barco.log
}

# Every line of $LOG is a JSON object with string level, msg and time.
assert_json_log() {
	local line
	[ -s "$LOG" ] || {
		echo "the log $LOG is empty" >&2
		return 1
	}
	while IFS= read -r line; do
		echo "$line" | jq -e 'type == "object" and (.level | type) == "string"
			and (.msg | type) == "string" and (.time | type) == "string"' >/dev/null || {
			echo "not a JSON log line: $line" >&2
			return 1
		}
	done <"$LOG"
}

@test "--log-format json: a failing create writes an error line" {
	rm "$BUNDLE/config.json"
	run --separate-stderr barco --log "$LOG" --log-format json create -b "$BUNDLE" ctr
	assert_error "config.json"
	assert_json_log
	local msg
	msg=$(jq -r 'select(.level == "error") | .msg' "$LOG")
	[ "$(echo "$msg" | wc -l)" -eq 1 ]
	[[ "$msg" == *config.json* ]]
	# The same message reaches stderr.
	[ "barco: $msg" = "$stderr" ]
	assert_root_empty
}

@test "--log-format json: time is RFC 3339" {
	run --separate-stderr barco --log "$LOG" --log-format json state nosuch
	assert_error "container does not exist"
	[[ "$(jq -r .time "$LOG")" =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})$ ]]
}

@test "--log-format json escapes quotes, backslashes and control characters" {
	run --separate-stderr barco --log "$LOG" --log-format json state 'bad"id\x'
	[ "$status" -eq 1 ]
	assert_json_log
	[[ "$(jq -r .msg "$LOG")" == *'bad"id\x'* ]]
	run --separate-stderr barco --log "$LOG" --log-format json "$(printf 'cmd\twith\ttabs')"
	[ "$status" -eq 1 ]
	assert_json_log
	[[ "$(jq -r .msg "$LOG" | tail -n 1)" == *"$(printf 'cmd\twith\ttabs')"* ]]
}

@test "the log file is appended to" {
	barco --log "$LOG" --log-format json state one 2>/dev/null || true
	barco --log "$LOG" --log-format json state two 2>/dev/null || true
	[ "$(jq -r 'select(.level == "error") | .msg' "$LOG" | wc -l)" -eq 2 ]
	jq -r .msg "$LOG" | head -n 1 | grep -q "one"
	jq -r .msg "$LOG" | tail -n 1 | grep -q "two"
}

@test "--log with the text format writes a readable error line" {
	run --separate-stderr barco --log "$LOG" state nosuch
	assert_error "container does not exist"
	grep -q "error" "$LOG"
	grep -q "container does not exist: nosuch" "$LOG"
	run jq -e . "$LOG"
	[ "$status" -ne 0 ]
}

@test "a successful command logs no error" {
	create_ctr ctr
	run --separate-stderr barco --log "$LOG" --log-format json list
	assert_success
	if [ -s "$LOG" ]; then
		assert_json_log
		[ -z "$(jq -r 'select(.level == "error")' "$LOG")" ]
	fi
}

@test "--debug with --log writes debug lines to the file, not to stderr" {
	barco --log "$LOG" --log-format json --debug create -b "$BUNDLE" ctr </dev/null \
		>"$BATS_TEST_TMPDIR/out" 2>"$BATS_TEST_TMPDIR/err"
	[ "$(status_of ctr)" = created ]
	assert_json_log
	[ -n "$(jq -r 'select(.level == "debug") | .msg' "$LOG")" ]
	[ ! -s "$BATS_TEST_TMPDIR/err" ]
}

@test "without --debug no debug lines are logged" {
	barco --log "$LOG" --log-format json create -b "$BUNDLE" ctr </dev/null \
		>"$BATS_TEST_TMPDIR/out" 2>"$BATS_TEST_TMPDIR/err"
	[ "$(status_of ctr)" = created ]
	[ -z "$(jq -r 'select(.level == "debug")' "$LOG" 2>/dev/null)" ]
}

@test "--debug without --log prints debug lines on stderr and still works" {
	barco --debug create -b "$BUNDLE" ctr </dev/null >"$BATS_TEST_TMPDIR/out" \
		2>"$BATS_TEST_TMPDIR/err"
	[ "$(status_of ctr)" = created ]
	grep -q debug "$BATS_TEST_TMPDIR/err"
}

@test "a failing poststop hook's warning is logged with level warning" {
	update_config '.hooks.poststop = [{"path": "/bin/false"}]'
	create_ctr ctr
	run --separate-stderr barco --log "$LOG" --log-format json delete -f ctr
	assert_success
	assert_json_log
	[[ "$(jq -r 'select(.level == "warning") | .msg' "$LOG")" == *poststop* ]]
	assert_root_empty
}

@test "a log file that cannot be opened is an error" {
	run --separate-stderr barco --log "$BATS_TEST_TMPDIR/no/such/dir/log" list
	assert_error "no/such/dir/log"
}

@test "--log-format json without --log: the error is still one line on stderr" {
	run --separate-stderr barco --log-format json state nosuch
	[ "$status" -eq 1 ]
	[ "${#stderr_lines[@]}" -eq 1 ]
	[[ "$stderr" == *"container does not exist: nosuch"* ]]
}
