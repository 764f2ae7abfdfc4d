// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_dns.c - the DNS parser (parse/dns.c): every answer in the captures
 * read as tshark reads it, every shorter copy survived; TCP framing,
 * compression, CNAME chains and junk; queries and names that are no host
 * names. Built with ASan and UBSan.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "data.h"
#include "lib/addr.h"
#include "parse/dns.h"
#include "test.h"

/* Every DNS answer in the captures, read by tshark and by mw_dns_parse:
 * the same question, the same addresses; every shorter copy survives. */
static void t_dns_real(void *arg)
{
	static const char *const pcaps[] = { "zeek-cryptomining/coinhive-stratum.pcap",
					     "zeek-cryptomining/bitcoin-mining.pcap",
					     "ndpi/mining.pcapng" };
	static char line[65536];
	static uint8_t msg_bytes[4096];
	unsigned answers = 0, with_addr = 0, i;
	bool learned_pool = false, chain[MW_DNS_MAX_NAMES];
	size_t k;

	for (k = 0; k < sizeof(pcaps) / sizeof(pcaps[0]); k++) {
		FILE *f = test_tshark(pcaps[k], "dns.flags.response==1 && udp",
				      "-e dns.qry.name -e dns.a -e udp.payload");

		if (!ASSERT_TRUE(f != NULL, "tshark runs"))
			return;
		while (fgets(line, sizeof(line), f)) {
			char *qname = strtok(line, "|"), *a = strtok(NULL, "|"),
			     *hex = strtok(NULL, "|\n");
			struct mw_dns_msg m;
			size_t n, cut;
			char buf[MW_ADDRSTRLEN];

			if (!hex) { /* no A records: the fields shift */
				hex = a;
				a = NULL;
			}
			if (!qname || !hex)
				continue;
			n = test_unhex(hex, msg_bytes, sizeof(msg_bytes));
			answers++;
			if (!ASSERT_EQ(mw_dns_parse(msg_bytes, n, false, &m), 0, "parses"))
				continue;
			ASSERT_STREQ(m.names[0], qname, "question as tshark reads it");
			ASSERT_STREQ(m.question, qname, "question field");
			ASSERT_TRUE(!m.truncated, "whole");
			/* a real resolver's answer section is the question's chain */
			mw_dns_chain(&m, chain);
			for (i = 0; i < m.n_addrs; i++)
				ASSERT_TRUE(m.addrs[i].owner < MW_DNS_MAX_NAMES &&
						    chain[m.addrs[i].owner],
					    "every address on the question's CNAME chain");
			if (a && *a) {
				with_addr++;
				for (i = 0; i < m.n_addrs; i++)
					ASSERT_TRUE(strstr(a, mw_addr_str(&m.addrs[i].addr, buf,
									  sizeof(buf))) != NULL,
						    "address tshark saw");
				if (!strcmp(qname, "la01.supportxmr.com") && m.n_addrs == 1 &&
				    !strcmp(mw_addr_str(&m.addrs[0].addr, buf, sizeof(buf)),
					    "192.110.160.114") &&
				    m.addrs[0].ttl == 90)
					learned_pool = true;
			}
			for (cut = 0; cut < n; cut++)
				mw_dns_parse(msg_bytes, cut, false, &m); /* never past the copy */
		}
		pclose(f);
	}
	ASSERT_TRUE(answers >= 5, "the captures hold DNS answers");
	ASSERT_TRUE(with_addr >= 3, "with A records");
	ASSERT_TRUE(learned_pool, "la01.supportxmr.com -> 192.110.160.114, TTL 90");
}

static void t_dns_crafted(void *arg)
{
	/* TCP framing, a CNAME chain, compression, AAAA, a pointer loop */
	static const uint8_t tcp_msg[] = {
		0x00,
		0x54, /* TCP length: 84 */
		0x12,
		0x34,
		0x81,
		0x80,
		0x00,
		0x01,
		0x00,
		0x03,
		0x00,
		0x00,
		0x00,
		0x00,
		/* question: www.pool.example AAAA */
		3,
		'w',
		'w',
		'w',
		4,
		'p',
		'o',
		'o',
		'l',
		7,
		'e',
		'x',
		'a',
		'm',
		'p',
		'l',
		'e',
		0,
		0x00,
		0x1c,
		0x00,
		0x01,
		/* www.pool.example CNAME cdn.example (cdn + pointer to "example") */
		0xc0,
		0x0c,
		0x00,
		0x05,
		0x00,
		0x01,
		0x00,
		0x00,
		0x01,
		0x00,
		0x00,
		0x06,
		3,
		'c',
		'd',
		'n',
		0xc0,
		0x15,
		/* cdn.example AAAA 2001:db8::7 */
		0xc0,
		0x2e,
		0x00,
		0x1c,
		0x00,
		0x01,
		0x00,
		0x00,
		0x00,
		0x3c,
		0x00,
		0x10,
		0x20,
		0x01,
		0x0d,
		0xb8,
		0,
		0,
		0,
		0,
		0,
		0,
		0,
		0,
		0,
		0,
		0,
		7,
		/* a record whose name points at itself */
		0xc0,
		0x50,
		0x00,
		0x01,
	};
	struct mw_dns_msg m;
	char buf[MW_ADDRSTRLEN];
	uint8_t junk[512];
	unsigned i, j;

	ASSERT_EQ(mw_dns_parse(tcp_msg, sizeof(tcp_msg), true, &m), 0, "TCP answer parses");
	ASSERT_EQ(m.n_names, 2, "the question (also the CNAME owner) and the CNAME target");
	ASSERT_STREQ(m.names[0], "www.pool.example", "question");
	ASSERT_STREQ(m.names[1], "cdn.example", "CNAME target, decompressed");
	ASSERT_EQ(m.n_cnames, 1, "one CNAME");
	ASSERT_EQ(m.addrs[0].owner, 1, "the AAAA's owner is the CNAME target");
	ASSERT_EQ(m.qtype, 28, "QTYPE");
	ASSERT_EQ(m.n_addrs, 1, "one AAAA");
	ASSERT_STREQ(mw_addr_str(&m.addrs[0].addr, buf, sizeof(buf)), "2001:db8::7", "AAAA");
	ASSERT_EQ(m.addrs[0].ttl, 60, "TTL");
	ASSERT_TRUE(m.truncated, "the looping record ends the answer");

	/* random bytes: never a crash, never a read past the copy (ASan) */
	srand(7);
	for (i = 0; i < 20000; i++) {
		size_t n = (size_t)(rand() % (int)sizeof(junk));

		for (j = 0; j < n; j++)
			junk[j] = (uint8_t)rand();
		if (n > 3)
			junk[2] |= 0x80; /* a response, to get past the header */
		mw_dns_parse(junk, n, i & 1, &m);
		memcpy(junk, tcp_msg, sizeof(tcp_msg));
		junk[rand() % (int)sizeof(tcp_msg)] = (uint8_t)rand();
		mw_dns_parse(junk, sizeof(tcp_msg), true, &m);
	}
}

static void t_dns_query(void *arg)
{
	static const uint8_t q[] = {
		0x00, 0x25, /* TCP length 37 */
		0xbe, 0xef, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 4,
		'L',  'A',  '0',  '1',	10,   's',  'u',  'p',	'p',  'o',  'r',  't',	'x',
		'm',  'r',  3,	  'c',	'o',  'm',  0,	  0x00, 0x1c, 0x00, 0x01,
	};
	struct mw_dns_query dq;
	struct mw_dns_msg m;
	uint8_t buf[sizeof(q)];

	ASSERT_EQ(mw_dns_parse_query(q, sizeof(q), true, &dq), 0, "TCP query parses");
	ASSERT_EQ(dq.id, 0xbeef, "ID");
	ASSERT_EQ(dq.qtype, 28, "AAAA");
	ASSERT_STREQ(dq.name, "la01.supportxmr.com", "name, lower case");
	ASSERT_EQ(mw_dns_parse_query(q + 2, sizeof(q) - 2, false, &dq), 0, "the same over UDP");
	ASSERT_EQ(mw_dns_parse(q, sizeof(q), true, &m), -EINVAL, "a query is no answer");
	memcpy(buf, q, sizeof(q));
	buf[4] |= 0x80;
	ASSERT_EQ(mw_dns_parse_query(buf, sizeof(buf), true, &dq), -EINVAL,
		  "an answer is no query");
	ASSERT_EQ(mw_dns_parse_query(q, sizeof(q) - 3, true, &dq), -EINVAL, "cut in QTYPE");
	memcpy(buf, q, sizeof(q));
	buf[18] = 0x01; /* a control character in the first label */
	ASSERT_EQ(mw_dns_parse_query(buf, sizeof(buf), true, &dq), 0, "parses");
	ASSERT_STREQ(dq.name, "", "but is no host name");
	memcpy(buf, q, sizeof(q));
	buf[16] = '.'; /* "L.01" as one label */
	mw_dns_parse_query(buf, sizeof(buf), true, &dq);
	ASSERT_STREQ(dq.name, "", "a dot inside a label is no host name");
	memcpy(buf, q, sizeof(q));
	buf[17] = 0xc3; /* UTF-8 lead byte */
	mw_dns_parse_query(buf, sizeof(buf), true, &dq);
	ASSERT_STREQ(dq.name, "", "nor are bytes outside ASCII");
}

static void t_dns_chain(void *arg)
{
	struct mw_dns_msg m = { 0 };
	bool chain[MW_DNS_MAX_NAMES];

	snprintf(m.question, sizeof(m.question), "q.example");
	snprintf(m.names[0], sizeof(m.names[0]), "q.example");
	snprintf(m.names[1], sizeof(m.names[1]), "c1.example");
	snprintf(m.names[2], sizeof(m.names[2]), "c2.example");
	snprintf(m.names[3], sizeof(m.names[3]), "x.example");
	m.n_names = 4;
	m.cnames[0] = (struct mw_dns_cname){ 3, 2 }; /* x -> c2: not ours */
	m.cnames[1] = (struct mw_dns_cname){ 0, 1 }; /* q -> c1 */
	m.cnames[2] = (struct mw_dns_cname){ 1, 0 }; /* c1 -> q: a loop */
	m.n_cnames = 3;
	ASSERT_EQ(mw_dns_chain(&m, chain), 2, "q, c1; the loop ends it");
	ASSERT_TRUE(chain[0] && chain[1] && !chain[2] && !chain[3], "x -> c2 is off the chain");
	m.question[0] = '\0';
	ASSERT_EQ(mw_dns_chain(&m, chain), 0, "no host name, no chain");
}

int main(int argc, char **argv)
{
	if (argc > 1)
		test_filter = argv[1];
	test_run("dns: answers in the captures, as tshark reads them", t_dns_real, NULL);
	test_run("dns: tcp, cname chain, compression, junk", t_dns_crafted, NULL);
	test_run("dns: queries; names that are no host names", t_dns_query, NULL);
	test_run("dns: the question's CNAME chain", t_dns_chain, NULL);
	return test_summary("dns");
}
