#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# lapi_conf.sh - the configuration of a private CrowdSec LAPI (Debian's
# crowdsec 1.4.6, run as `crowdsec -c DIR/config.yaml -no-cs -no-capi`),
# shared by test_lapi_client.sh and crowdsec_lib.sh: every path in DIR,
# nothing of /etc/crowdsec or /var/lib/crowdsec read or written.

# lapi_write_config DIR ADDR:PORT: config.yaml, profiles.yaml and
# simulation.yaml in DIR, the LAPI listening on ADDR:PORT.
lapi_write_config() {
	local dir=$1 listen=$2

	mkdir -p "$dir/data"
	cat >"$dir/config.yaml" <<-EOF
		common:
		  daemonize: false
		  log_media: file
		  log_level: info
		  log_dir: $dir/
		  working_dir: $dir
		config_paths:
		  config_dir: $dir/
		  data_dir: $dir/data/
		  simulation_path: $dir/simulation.yaml
		  hub_dir: $dir/hub/
		  index_path: $dir/hub/.index.json
		  notification_dir: $dir/notifications/
		  plugin_dir: /usr/lib/crowdsec/plugins/
		db_config:
		  log_level: info
		  type: sqlite
		  db_path: $dir/data/crowdsec.db
		  use_wal: true
		api:
		  client:
		    insecure_skip_verify: false
		    credentials_path: $dir/local_api_credentials.yaml
		  server:
		    log_level: info
		    listen_uri: $listen
		    profiles_path: $dir/profiles.yaml
		    console_path: $dir/console.yaml
		    trusted_ips:
		      - 127.0.0.1
		prometheus:
		  enabled: false
	EOF
	# the LAPI wants a profile; it acts only on alerts without decisions of
	# their own (minewall's and cscli's carry theirs, which it keeps as is)
	cat >"$dir/profiles.yaml" <<-'EOF'
		name: fleet_test_remediation
		filters:
		 - Alert.Remediation == true && Alert.GetScope() in ["Ip", "Range"]
		decisions:
		 - type: ban
		   duration: 1h
		on_success: break
	EOF
	printf 'simulation: off\n' >"$dir/simulation.yaml"
}
