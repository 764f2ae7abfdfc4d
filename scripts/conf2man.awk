# conf2man.awk - minewall.conf(5) from the example configuration, so that
# the manual and the file document every option with the same words.
# Usage: awk -f scripts/conf2man.awk etc/minewall.conf > minewall.conf.5
function flush_text() {
	if (text != "") { print ".PP"; print text; text = "" }
}
function esc(s) { gsub(/\\/, "\\\\", s); gsub(/^\./, "\\\\\\&.", s); gsub(/^'/, "\\\\\\&'", s); return s }
BEGIN {
	print ".TH MINEWALL.CONF 5 \"2026-11-27\" \"minewall 0.1.0\" \"File Formats\""
	print ".SH NAME"
	print "minewall.conf \\- configuration of minewalld"
	print ".SH DESCRIPTION"
	print "INI format, parsed with inih: [section] headers, key = value lines, # or ; comments."
	print "A value that is a list may continue on the next lines, indented."
	print "Unknown sections and keys are errors that name the file and line;"
	print "check a file with \\fBminewalld \\-\\-check\\-config \\-c FILE\\fR and see the"
	print "effective configuration with \\fB\\-\\-show\\-config\\fR."
	print "Durations: 500ms, 30s, 10m, 2h, 1d (a bare number is seconds)."
	print "Every option is shown below with its default."
	header = 1
}
/^\[.*\]$/ { flush_text(); header = 0; print ".SH SECTION " toupper($0); next }
header { next }
/^#[a-z_][a-z0-9_]* =( |$)/ {
	flush_text()
	sub(/^#/, "")
	print ".TP"
	print "\\fB" esc($0) "\\fR"
	cont = 1
	next
}
/^#\t/ && cont { sub(/^#\t */, ""); print esc($0); next }
/^# ?/ { cont = 0; sub(/^# ?/, ""); text = text (text == "" ? "" : "\n") esc($0); next }
/^$/ { cont = 0; flush_text(); next }
END {
	flush_text()
	print ".SH FILES"
	print "/etc/minewall/minewall.conf"
	print ".SH SEE ALSO"
	print ".BR minewalld (8), " ".BR minewall (8)"
}
