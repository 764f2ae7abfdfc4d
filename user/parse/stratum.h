/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * stratum.h - recognises the mining protocol in the first payload bytes of
 * a TCP connection: newline-separated JSON-RPC messages, the last one often
 * cut short by the copy. Complete messages are parsed with jansson; a cut
 * one is searched for its "method" only. Dialects:
 *  - XMR / CryptoNote (XMRig, xmr-stak, coinhive proxies): "login" with
 *    params.login and params.pass, "job" pushes with a blob, "submit" with
 *    job_id and nonce, a login reply whose result holds a job;
 *  - Stratum v1 (cpuminer, bfgminer, cgminer, ckpool): mining.subscribe,
 *    mining.authorize, mining.notify, mining.set_difficulty, mining.submit...
 *  - Ethereum (ethminer, claymore eth-proxy): eth_submitLogin, eth_getWork,
 *    eth_submitWork, eth_submitHashrate, and the work package push (a result
 *    of three 0x hashes); mining.subscribe with "EthereumStratum/1.0.0";
 *  - NiceHash: mining.subscribe naming NiceHash, mining.set_extranonce.
 *  - solo mining on a Bitcoin-family node (bitcoind's JSON-RPC, cgminer,
 *    bfgminer, cpuminer solo): getblocktemplate, submitblock, getwork, the
 *    merged-mining getauxblock/createauxblock/submitauxblock, and a
 *    template reply (previousblockhash and coinbasevalue);
 *  - Monero's daemon RPC (xmrig's daemon mode, p2pool's node): get_block_
 *    template (or getblocktemplate with a wallet_address), submit_block,
 *    get_miner_data, and a template reply (blocktemplate_blob).
 * Node queries that mine nothing (getblockchaininfo, getmininginfo,
 * get_info, eth_blockNumber) are no mining: they are never matched.
 */
#ifndef MW_PARSE_STRATUM_H
#define MW_PARSE_STRATUM_H

#include <stddef.h>
#include <stdint.h>

enum mw_stratum_dialect {
	MW_STRATUM_NONE = 0,
	MW_STRATUM_XMR,
	MW_STRATUM_V1,
	MW_STRATUM_ETH,
	MW_STRATUM_NICEHASH,
	MW_STRATUM_SOLO_BTC,
	MW_STRATUM_MONERO_DAEMON,
};

/* @method and @agent come from whoever sent the payload: printable ASCII,
 * any other byte replaced with '?'. */
struct mw_stratum {
	enum mw_stratum_dialect dialect;
	char method[40]; /* the message that gave it away ("result" for a reply) */
	char agent[64]; /* the miner's name, when the message carries it */
	const char *transport; /* what carried it: "tcp", "http", "websocket"; set by the caller */
};

/* Returns 1 when @buf may start a JSON-RPC message: '{' after whitespace
 * (space, tab, CR, LF), or MW_PEEK_WS_MAX bytes of whitespace first; the
 * same test the datapath makes before it copies a payload. */
int mw_stratum_may_start(const uint8_t *buf, size_t len);
/* Returns 1 when @buf holds a Stratum message (and fills @m), else 0. */
int mw_stratum_match(const uint8_t *buf, size_t len, struct mw_stratum *m);
const char *mw_stratum_dialect_name(enum mw_stratum_dialect d);

#endif
