// SPDX-License-Identifier: GPL-2.0-only
/* test_tls.c - the TLS ClientHello parser (parse/tls.c): the SNI of every
 * ClientHello in the captures as tshark reads it, and "cut short" rather
 * than a guess on any shorter copy. Built with ASan and UBSan. */
#include <errno.h>
#include <string.h>

#include "data.h"
#include "parse/tls.h"
#include "test.h"

/* Every ClientHello in the captures: the SNI tshark reads, and the parser
 * says "cut short" rather than guess on any shorter copy. */
static void t_tls_real(void *arg)
{
	static char line[65536];
	static uint8_t hello[8192];
	unsigned seen = 0;
	FILE *f = test_tshark("zeek-cryptomining/bitcoin-mining.pcap", "tls.handshake.type==1",
			      "-e tls.handshake.extensions_server_name -e tcp.payload");
	char sni[MW_NAME_MAX];
	size_t n, cut;

	if (!ASSERT_TRUE(f != NULL, "tshark runs"))
		return;
	while (fgets(line, sizeof(line), f)) {
		char *name = strtok(line, "|"), *hex = strtok(NULL, "|\n");

		if (!name || !hex)
			continue;
		n = test_unhex(hex, hello, sizeof(hello));
		seen++;
		ASSERT_EQ(mw_tls_sni(hello, n, sni), 0, "SNI found");
		ASSERT_STREQ(sni, name, "SNI as tshark reads it");
		ASSERT_EQ(mw_tls_sni(hello, 256, sni), 0, "found in a 256-byte peek");
		for (cut = 0; cut < n; cut++) {
			int r = mw_tls_sni(hello, cut, sni);

			if (r == 0)
				ASSERT_STREQ(sni, name,
					     "a shorter copy gives the same name or none");
			else if (r != -EAGAIN)
				ASSERT_EQ(r, -EAGAIN, "a cut copy says so");
		}
	}
	pclose(f);
	ASSERT_TRUE(seen >= 3, "bitcoin-mining.pcap holds ClientHellos to us1.bitminter.com");
	ASSERT_EQ(mw_tls_sni((const uint8_t *)"{\"id\":1}", 8, sni), -EINVAL, "JSON is not TLS");
}

int main(int argc, char **argv)
{
	if (argc > 1)
		test_filter = argv[1];
	test_run("tls: sni in the captures, cut copies", t_tls_real, NULL);
	return test_summary("tls");
}
