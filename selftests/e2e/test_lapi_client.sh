#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# The LAPI client (user/fleet/lapi.c, alert.c, decision.c) against a real
# CrowdSec 1.4.6 LAPI, through selftests/lapi_probe: the LAPI runs in the
# server namespace (sqlite, no agent, no Central API) on 192.0.2.1:8080,
# the probe in the client namespace. A login, alerts of scope Ip and of
# scope Range (an IPv6 /64) that cscli then shows with their decisions,
# the decisions stream at startup and its deletions, a re-login after the
# LAPI restarted with a new JWT secret, the errors (a wrong password, a
# wrong bouncer key, a LAPI that is down), and HTTPS with a CA and a
# bouncer's client certificate.
# shellcheck source=selftests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=selftests/e2e/lapi_conf.sh
. "$(dirname "$0")/lapi_conf.sh"

PROBE=$BIN/selftests/lapi_probe
LAPI_DIR=$RUN_DIR/lapi
LAPI_URL=http://$SRV4:8080
LAPI_PID=
MACHINE=web-17
PASSWORD=machine-password-0123456789
KEY=bouncer-key-0123456789abcdef

if [ ! -x "$PROBE" ] || ! command -v crowdsec >/dev/null; then
	fail "setup: needs $PROBE (make) and crowdsec (make deps)"
	finish
	exit 1
fi

# lapi_config: a LAPI of its own under $LAPI_DIR (lapi_conf.sh).
lapi_config() { lapi_write_config "$LAPI_DIR" "$SRV4:8080"; }

cs() { in_srv cscli -c "$LAPI_DIR/config.yaml" "$@"; }

start_lapi() {
	# exec: the pid remembered is crowdsec's own
	# shellcheck disable=SC2016 # $1 is the inner shell's
	bg_srv sh -c 'exec crowdsec -c "$1/config.yaml" -no-cs -no-capi >>"$1/stdout.log" 2>&1' \
		sh "$LAPI_DIR"
	LAPI_PID=$BG_PID
	wait_until 10 listening srv tcp 8080
}

stop_lapi() {
	[ -n "$LAPI_PID" ] || return 0
	kill "$LAPI_PID" 2>/dev/null
	wait "$LAPI_PID" 2>/dev/null
	LAPI_PID=
}

probe() { in_cli "$PROBE" "$@"; }

setup_topology || exit 1
lapi_config
if ! start_lapi; then
	fail "the LAPI starts" "$(tail -5 "$LAPI_DIR/crowdsec.log" 2>/dev/null)"
	finish
	exit 1
fi
t0=$SECONDS
cs machines add "$MACHINE" --password "$PASSWORD" -f /dev/null >/dev/null 2>&1
# cscli itself logs in as a machine of its own to add decisions
cs machines add cscli --password cscli-password-0123456789 \
	-f "$LAPI_DIR/local_api_credentials.yaml" --url "http://$SRV4:8080" >/dev/null 2>&1
cs bouncers add probe -k "$KEY" >/dev/null 2>&1

# --- the machine: login, alerts of scope Ip and Range ---
check "login: the machine's password is taken" probe "$LAPI_URL" login "$MACHINE" "$PASSWORD"
check "push: an Ip alert is taken (201)" probe "$LAPI_URL/" push "$MACHINE" "$PASSWORD" SSHDICT \
	198.51.100.50 198.51.100.50 14400000 "12 failed logins in 60s"
check "push: a Range alert for an IPv6 /64 is taken (201)" probe "$LAPI_URL" push "$MACHINE" \
	"$PASSWORD" HTTPDICT 2001:db8:1:2::/64 2001:db8:1:2::55 5400000 "bad logins from a /64"
check "push: a permanent ban, as Go's longest duration, is taken" probe "$LAPI_URL" push \
	"$MACHINE" "$PASSWORD" BLACKLIST 198.51.100.60 198.51.100.60 18446744073709551615 "pool"
probe "$LAPI_URL" push-batch "$MACHINE" "$PASSWORD" 20 >"$RUN_DIR/batch" 2>&1
check "push: 20 alerts from the queue in one POST" grep -q "^pushed 20 alerts, .* (201)" "$RUN_DIR/batch"
log "$(cat "$RUN_DIR/batch")"

# cscli lists decisions of other origins than crowdsec and cscli only with -a
cs alerts list -a -o json >"$RUN_DIR/alerts.json" 2>/dev/null
cs decisions list -a -o json >"$RUN_DIR/decisions.json" 2>/dev/null
check_eq "cscli alerts: scenario minewall/SSHDICT, from the machine, its message" \
	"$(jq -r '.[] | select(.scenario == "minewall/SSHDICT" and .source.value == "198.51.100.50") |
		"\(.machine_id) \(.source.scope) \(.source.value) \(.message)"' "$RUN_DIR/alerts.json")" \
	"$MACHINE Ip 198.51.100.50 SSHDICT: 12 failed logins in 60s"
check_eq "cscli decisions: the Ip ban as pushed (origin kept, 4h)" \
	"$(jq -r '.[].decisions[]? | select(.value == "198.51.100.50") |
		"\(.origin) \(.type) \(.scope) \(.value) \(.duration | test("^3h59m"))"' \
		"$RUN_DIR/decisions.json")" \
	"minewall ban Ip 198.51.100.50 true"
check_eq "cscli decisions: the Range ban of the /64 (1h30m)" \
	"$(jq -r '.[].decisions[]? | select(.scenario == "minewall/HTTPDICT") |
		"\(.origin) \(.scope) \(.value) \(.duration | test("^1h29m"))"' \
		"$RUN_DIR/decisions.json")" \
	"minewall Range 2001:db8:1:2::/64 true"
check_eq "cscli alerts: the Range alert's source holds the address seen" \
	"$(jq -r '.[] | select(.scenario == "minewall/HTTPDICT") | "\(.source.scope) \(.source.ip) \(.source.range)"' \
		"$RUN_DIR/alerts.json")" \
	"Range 2001:db8:1:2::55 2001:db8:1:2::/64"

# --- the bouncer: the stream at startup, then deltas ---
cs decisions add -r 203.0.113.9/24 -d 1h -R "manual range" >/dev/null 2>&1
cs decisions add -i 192.0.2.77 -d 2h -t captcha >/dev/null 2>&1
probe "$LAPI_URL" stream "$KEY" true >"$RUN_DIR/stream1" 2>&1
check "stream: our Ip ban back, origin and scenario" \
	grep -q "^new [0-9]* Ip 198.51.100.50 14[0-9]* minewall minewall/SSHDICT$" "$RUN_DIR/stream1"
check "stream: our IPv6 Range back" \
	grep -q "^new [0-9]* Range 2001:db8:1:2::/64 5[0-9]* minewall minewall/HTTPDICT$" "$RUN_DIR/stream1"
check "stream: cscli's range with host bits, masked" \
	grep -q "^new [0-9]* Range 203.0.113.0/24 3[0-9]* cscli manual range$" "$RUN_DIR/stream1"
check "stream: the captcha skipped, nothing bad" \
	grep -q "^counts new=24 deleted=0 skipped_scope=0 skipped_type=1 bad=0$" "$RUN_DIR/stream1"
check_eq "stream: the batch's 20 bans" "$(grep -c "^new [0-9]* Ip 2001:db8:ffff::" "$RUN_DIR/stream1")" 20
check "stream: the permanent ban, 292 years" \
	grep -q "^new [0-9]* Ip 198.51.100.60 92233720[0-9]* minewall minewall/BLACKLIST$" "$RUN_DIR/stream1"
cs decisions delete -i 198.51.100.50 >/dev/null 2>&1
probe "$LAPI_URL" stream "$KEY" false >"$RUN_DIR/stream2" 2>&1
check "stream: a deletion, with a negative duration" \
	grep -q "^deleted [0-9]* Ip 198.51.100.50 -[0-9]* minewall minewall/SSHDICT$" "$RUN_DIR/stream2"
check "stream: nothing new since" grep -q "^counts new=0 deleted=1 " "$RUN_DIR/stream2"

# --- a LAPI restarted under a client: its token is refused, it logs in again ---
rm -f "$RUN_DIR/again"
PROBE_PUSH_AGAIN_WHEN=$RUN_DIR/again in_cli "$PROBE" "$LAPI_URL" push "$MACHINE" "$PASSWORD" \
	SSHDICT 198.51.100.51 198.51.100.51 60000 "before and after" >"$RUN_DIR/again.out" 2>&1 &
again_pid=$!
bg_pid "$again_pid"
wait_until 5 grep -q "^pushed (201)" "$RUN_DIR/again.out"
logins=$(grep -c "POST /v1/watchers/login" "$LAPI_DIR/crowdsec_api.log")
stop_lapi
start_lapi
touch "$RUN_DIR/again"
wait "$again_pid"
check_eq "re-login: the push after a LAPI restart goes through" \
	"$(grep -c "^pushed again (201)" "$RUN_DIR/again.out")" 1
check_eq "re-login: one login more, after a 401" \
	"$(grep -c "POST /v1/watchers/login" "$LAPI_DIR/crowdsec_api.log")" $((logins + 1))

# --- errors that say what happened ---
probe "$LAPI_URL" login "$MACHINE" wrong-password >"$RUN_DIR/bad_pw" 2>&1
check_eq "wrong password: EACCES" $? 13
check "wrong password: a clear message" \
	grep -q "LAPI $LAPI_URL: login refused (401): incorrect Username or Password" "$RUN_DIR/bad_pw"
probe "$LAPI_URL" push "$MACHINE" wrong-password SSHDICT 198.51.100.52 198.51.100.52 1000 \
	>"$RUN_DIR/bad_pw2" 2>&1
check_eq "wrong password: a push fails with EACCES" $? 13
probe "$LAPI_URL" push-raw "$MACHINE" "$PASSWORD" '[{"scenario":"minewall/X"}]' \
	>"$RUN_DIR/bad_alert" 2>&1
check_eq "an alert the LAPI's schema refuses: EBADMSG (not worth sending again)" $? 74
check "an alert refused: the LAPI's reason" grep -q "validation failure list" "$RUN_DIR/bad_alert"
probe "$LAPI_URL" stream wrong-key true >"$RUN_DIR/bad_key" 2>&1
check_eq "wrong bouncer key: EACCES" $? 13
check "wrong bouncer key: a clear message" \
	grep -q "decisions stream refused (403): access forbidden (the bouncer key)" "$RUN_DIR/bad_key"
stop_lapi
s0=$SECONDS
probe "$LAPI_URL" login "$MACHINE" "$PASSWORD" >"$RUN_DIR/down" 2>&1
check_eq "LAPI down: EHOSTUNREACH" $? 113
check "LAPI down: a clear message" grep -q "LAPI $LAPI_URL: cannot connect: " "$RUN_DIR/down"
probe "http://198.51.100.1:8080" stream "$KEY" true >"$RUN_DIR/noroute" 2>&1
check_eq "no route to the LAPI: EHOSTUNREACH" $? 113
check "LAPI down: answered within 2 s" test $((SECONDS - s0)) -le 2

# --- a LAPI that misbehaves: a huge answer, no token, not JSON, silence ---
bg_srv python3 -c '
import http.server, sys, time
class H(http.server.BaseHTTPRequestHandler):
    def answer(self, code, body):
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        try:
            self.wfile.write(body)
        except OSError:
            pass
    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        if self.path.startswith("/huge/"):
            self.answer(200, b"{\"token\":\"" + b"x" * (2 << 20) + b"\"}")
        elif self.path.startswith("/silent/"):
            time.sleep(30)
        else:
            self.answer(200, b"{\"code\":200}")
    def do_GET(self):
        self.answer(200, b"<html>not a stream</html>")
    def log_message(self, *a):
        pass
http.server.ThreadingHTTPServer((sys.argv[1], 8081), H).serve_forever()
' "$SRV4"
wait_listening srv tcp 8081
FAKE=http://$SRV4:8081
probe "$FAKE/huge/" login "$MACHINE" "$PASSWORD" >"$RUN_DIR/huge" 2>&1
check_eq "a huge answer: EPROTO" $? 71
check "a huge answer: cut at its cap" grep -q "answer to /v1/watchers/login larger than 1 MiB" \
	"$RUN_DIR/huge"
probe "$FAKE" login "$MACHINE" "$PASSWORD" >"$RUN_DIR/notoken" 2>&1
check_eq "an answer without a token: EPROTO" $? 71
check "an answer without a token: said" grep -q "login: no usable token" "$RUN_DIR/notoken"
probe "$FAKE" stream "$KEY" true >"$RUN_DIR/nostream" 2>&1
check_eq "a stream that is not JSON: EINVAL from the parser" $? 22
check "a stream that is not JSON: said" grep -q "not JSON" "$RUN_DIR/nostream"
s0=$SECONDS
LAPI_TIMEOUT_MS=1000 in_cli "$PROBE" "$FAKE/silent/" login "$MACHINE" "$PASSWORD" \
	>"$RUN_DIR/silent" 2>&1
check_eq "a LAPI that never answers: EHOSTUNREACH" $? 113
check "a LAPI that never answers: given up at the timeout" test $((SECONDS - s0)) -le 3
check "a LAPI that never answers: said" grep -q "no answer: Operation timed out" "$RUN_DIR/silent"

# --- HTTPS: the LAPI's certificate checked against tls_ca; a bouncer
# known by its client certificate (OU bouncer-ou), no key ---
tls_files() {
	local t=$RUN_DIR/tls
	mkdir -p "$t"
	ssl() { openssl "$@" >/dev/null 2>&1; }
	ssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 \
		-keyout "$t/ca.key" -out "$t/ca.pem" -subj "/CN=minewall test CA"
	printf 'subjectAltName=IP:%s\nextendedKeyUsage=serverAuth\n' "$SRV4" >"$t/srv.ext"
	printf 'extendedKeyUsage=clientAuth\n' >"$t/cli.ext"
	ssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$t/srv.key" \
		-out "$t/srv.csr" -subj "/CN=lapi"
	ssl x509 -req -in "$t/srv.csr" -CA "$t/ca.pem" -CAkey "$t/ca.key" -CAcreateserial \
		-days 1 -extfile "$t/srv.ext" -out "$t/srv.pem"
	ssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$t/bouncer.key" \
		-out "$t/bouncer.csr" -subj "/OU=bouncer-ou/CN=mw-bouncer"
	ssl x509 -req -in "$t/bouncer.csr" -CA "$t/ca.pem" -CAkey "$t/ca.key" -CAcreateserial \
		-days 1 -extfile "$t/cli.ext" -out "$t/bouncer.pem"
	[ -s "$t/srv.pem" ] && [ -s "$t/bouncer.pem" ] || return 1
	sed -i "s|^    listen_uri: .*|&\n    tls:\n      cert_file: $t/srv.pem\n      key_file: $t/srv.key\n      client_verification: VerifyClientCertIfGiven\n      ca_cert_path: $t/ca.pem\n      bouncers_allowed_ou: [bouncer-ou]|" \
		"$LAPI_DIR/config.yaml"
}
T=$RUN_DIR/tls
if tls_files && start_lapi; then
	LAPI_CA=$T/ca.pem in_cli "$PROBE" "https://$SRV4:8080" login "$MACHINE" "$PASSWORD" \
		>"$RUN_DIR/tls_login" 2>&1
	check_eq "HTTPS: a login, the LAPI's certificate checked against tls_ca" $? 0
	probe "https://$SRV4:8080" login "$MACHINE" "$PASSWORD" >"$RUN_DIR/tls_noca" 2>&1
	check_eq "HTTPS: an unknown issuer refused: EHOSTUNREACH" $? 113
	check "HTTPS: the message says why" grep -q "cannot connect: SSL certificate problem" \
		"$RUN_DIR/tls_noca"
	LAPI_CA=$T/ca.pem LAPI_CERT=$T/bouncer.pem LAPI_KEY=$T/bouncer.key in_cli "$PROBE" \
		"https://$SRV4:8080" stream "" true >"$RUN_DIR/tls_stream" 2>&1
	check "HTTPS: a bouncer known by its client certificate streams" \
		grep -q "^new [0-9]* Range 2001:db8:1:2::/64 " "$RUN_DIR/tls_stream"
	stop_lapi
else
	fail "HTTPS: the LAPI starts with TLS" "$(tail -3 "$LAPI_DIR/crowdsec.log" 2>/dev/null)"
fi
log "$((SECONDS - t0)) s in all"
finish
