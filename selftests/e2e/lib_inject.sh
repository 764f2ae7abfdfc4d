#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# lib_inject.sh - helpers for the suites whose attacker writes its own
# packets (test_fragments.sh); sourced after lib.sh.

# nginx_basic_auth DIR PORT PASSWORD: a real nginx on $SRV4:PORT whose pages
# in DIR need HTTP basic auth (user admin, PASSWORD), every path of its own
# in DIR (pid, logs, temp files: never the host's service); started and
# waited for. The access log is DIR/access.log.
nginx_basic_auth() {
	local dir=$1 port=$2 temp
	mkdir -p "$dir"
	echo "secret page" >"$dir/index.html"
	echo "admin:$(openssl passwd -apr1 "$3")" >"$dir/htpasswd"
	for temp in client_body proxy fastcgi uwsgi scgi; do
		printf '\t%s_temp_path %s;\n' "$temp" "$dir"
	done >"$dir/temp.conf"
	cat >"$dir/nginx.conf" <<CONF
worker_processes 1;
pid $dir/nginx.pid;
error_log $dir/error.log;
events { worker_connections 64; }
http {
	access_log $dir/access.log;
	include $dir/temp.conf;
	keepalive_requests 1000;
	server {
		listen $SRV4:$port;
		root $dir;
		location / { auth_basic "minewall test"; auth_basic_user_file $dir/htpasswd; }
	}
}
CONF
	start_nginx "$dir/nginx.conf" "$port"
}

# counter NAME: one of the datapath's counters, as `minewall status -j` gives it
counter() {
	mw status -j | /usr/bin/python3 -c "import json,sys; print(json.load(sys.stdin)['counters']['$1'])"
}
