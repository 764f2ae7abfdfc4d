// SPDX-License-Identifier: GPL-2.0-only
/*
 * bench_sendmmsg.c - a packet generator of our own (pktgen is not built into
 * this kernel and xdp-trafficgen does not start on it): UDP frames sent
 * through an AF_PACKET socket with sendmmsg, bypassing the qdisc, from one
 * thread, for a given time, cycling through a number of flows (source ports
 * and addresses). Prints the frames sent.
 *
 * Usage: bench_sendmmsg IFACE DST_MAC SRC_IP DST_IP SECONDS FLOWS [MODE]
 * MODE "random": each frame from a random address of SRC_IP's /15 (the
 * benchmarking range 198.18.0.0/15 holds 131072) and a random port, for
 * floods of new flows; "dns": frames from port 53 (DNS answers, each one
 * copied to the agent), the destination port cycling through FLOWS.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BATCH 64
#define PAYLOAD 64
#define FRAME (14 + 20 + 8 + PAYLOAD)

static uint16_t csum(const uint8_t *p, size_t n)
{
	uint32_t s = 0;
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		s += (uint32_t)(p[i] << 8 | p[i + 1]);
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

static void build(uint8_t *f, const uint8_t *dmac, uint32_t src, uint32_t dst, uint16_t sport,
		  uint16_t dport)
{
	uint8_t *ip = f + 14, *udp = ip + 20;
	uint16_t c;

	memcpy(f, dmac, 6);
	memcpy(f + 6, "\x02\x00\x00\x00\x00\x02", 6);
	f[12] = 0x08, f[13] = 0x00;
	memset(ip, 0, 20);
	ip[0] = 0x45;
	ip[2] = (20 + 8 + PAYLOAD) >> 8, ip[3] = (20 + 8 + PAYLOAD) & 0xff;
	ip[8] = 64, ip[9] = 17;
	memcpy(ip + 12, &src, 4);
	memcpy(ip + 16, &dst, 4);
	c = csum(ip, 20);
	ip[10] = c >> 8, ip[11] = c & 0xff;
	udp[0] = sport >> 8, udp[1] = sport & 0xff;
	udp[2] = dport >> 8, udp[3] = dport & 0xff;
	udp[4] = 0, udp[5] = 8 + PAYLOAD;
	udp[6] = udp[7] = 0;
	memset(udp + 8, 'x', PAYLOAD);
}

int main(int argc, char **argv)
{
	static uint8_t frames[BATCH][FRAME];
	struct mmsghdr msgs[BATCH];
	struct iovec iov[BATCH];
	struct sockaddr_ll sll = { .sll_family = AF_PACKET };
	unsigned mac[6], flows, i, next = 0;
	uint8_t dmac[6];
	struct in_addr src, dst;
	struct timespec t0, t;
	unsigned long long sent = 0;
	const char *mode = argc > 7 ? argv[7] : "";
	uint64_t rnd = 0x9e3779b97f4a7c15ULL;
	double secs;
	int fd, one = 1;

	if (argc < 7 || argc > 8 || (*mode && strcmp(mode, "random") && strcmp(mode, "dns")) ||
	    sscanf(argv[2], "%x:%x:%x:%x:%x:%x", &mac[0], &mac[1], &mac[2], &mac[3], &mac[4],
		   &mac[5]) != 6 ||
	    !inet_aton(argv[3], &src) || !inet_aton(argv[4], &dst)) {
		fprintf(stderr,
			"usage: %s IFACE DST_MAC SRC_IP DST_IP SECONDS FLOWS [random|dns]\n",
			argv[0]);
		return 2;
	}
	for (i = 0; i < 6; i++)
		dmac[i] = (uint8_t)mac[i];
	secs = atof(argv[5]);
	flows = (unsigned)strtoul(argv[6], NULL, 10);
	if (!flows)
		flows = 1;
	fd = socket(AF_PACKET, SOCK_RAW, 0);
	if (fd < 0) {
		perror("socket(AF_PACKET)");
		return 1;
	}
	sll.sll_ifindex = (int)if_nametoindex(argv[1]);
	sll.sll_halen = 6;
	memcpy(sll.sll_addr, dmac, 6);
	setsockopt(fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof(one));
	if (!sll.sll_ifindex || bind(fd, (struct sockaddr *)&sll, sizeof(sll))) {
		perror(argv[1]);
		return 1;
	}
	for (i = 0; i < BATCH; i++) {
		iov[i].iov_base = frames[i];
		iov[i].iov_len = FRAME;
		memset(&msgs[i], 0, sizeof(msgs[i]));
		msgs[i].msg_hdr.msg_iov = &iov[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		int n;

		/* the flows: source port and the low 16 bits of the source address */
		for (i = 0; i < BATCH; i++, next = (next + 1) % flows) {
			uint32_t s = ntohl(src.s_addr) + (next >> 16);
			uint16_t sport = (uint16_t)(1024 + (next & 0xffff) % 60000), dport = 9999;

			if (!strcmp(mode, "random")) {
				rnd ^= rnd << 13, rnd ^= rnd >> 7, rnd ^= rnd << 17;
				s = (ntohl(src.s_addr) & 0xfffe0000) + (uint32_t)(rnd % 131072);
				sport = (uint16_t)(1024 + (rnd >> 20) % 60000);
			} else if (!strcmp(mode, "dns")) {
				dport = sport;
				sport = 53;
				s = ntohl(src.s_addr);
			}
			build(frames[i], dmac, htonl(s), dst.s_addr, sport, dport);
		}
		n = sendmmsg(fd, msgs, BATCH, 0);
		if (n > 0)
			sent += (unsigned)n;
		else if (n < 0 && errno != ENOBUFS && errno != EAGAIN)
			break;
		clock_gettime(CLOCK_MONOTONIC, &t);
		if ((double)(t.tv_sec - t0.tv_sec) + (t.tv_nsec - t0.tv_nsec) / 1e9 >= secs)
			break;
	}
	printf("%llu\n", sent);
	return 0;
}
