# bash completion for minewall(8) and minewalld(8)
_minewall()
{
	local cur prev objects
	cur=${COMP_WORDS[COMP_CWORD]}
	prev=${COMP_WORDS[COMP_CWORD - 1]}
	objects="status flows events blocks block unblock allow allowlist flush blacklist dirnet help"
	case $prev in
	minewall | -j | --json | -p | --pretty)
		COMPREPLY=($(compgen -W "$objects -j -p --pin-path --run-dir" -- "$cur")) ;;
	blacklist) COMPREPLY=($(compgen -W "list test load unload help" -- "$cur")) ;;
	dirnet) COMPREPLY=($(compgen -W "baseline learn help" -- "$cur")) ;;
	events) COMPREPLY=($(compgen -W "-f -n --method --since --file" -- "$cur")) ;;
	--method) COMPREPLY=($(compgen -W "BLACKLIST BPATTERNS DIRNET SSHDICT RDPDICT HTTPDICT DICTATTACK" -- "$cur")) ;;
	flows) COMPREPLY=($(compgen -W "--top --sort" -- "$cur")) ;;
	--sort) COMPREPLY=($(compgen -W "bytes packets age" -- "$cur")) ;;
	load | --file | --pin-path | --run-dir) COMPREPLY=($(compgen -f -- "$cur")) ;;
	*) COMPREPLY=() ;;
	esac
}
complete -F _minewall minewall

_minewalld()
{
	local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]}
	case $prev in
	-i | --interface) COMPREPLY=($(compgen -W "$(ls /sys/class/net 2>/dev/null)" -- "$cur")) ;;
	-c | --config | --events | --pin-path | --run-dir | --state-dir) COMPREPLY=($(compgen -f -- "$cur")) ;;
	--xdp-mode) COMPREPLY=($(compgen -W "auto native generic" -- "$cur")) ;;
	*) COMPREPLY=($(compgen -W "-i -c --check-config --show-config --dry-run --events --syslog --metrics --ipfix --pin-path --run-dir --state-dir --max-flows --status-interval --xdp-mode --flush-on-exit -v -q -V -h" -- "$cur")) ;;
	esac
}
complete -F _minewalld minewalld
