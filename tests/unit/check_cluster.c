/* Unit tests: Redis Cluster slots, replies and ASKING (cluster.c). */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <hiredis/hiredis.h>
#include <string.h>

#include "cluster.h"
#include "unit.h"

/* A reply as hiredis reads it from the RESP text; the caller frees it. */
static redisReply *
reply_of(const char *resp)
{
	redisReader *reader = redisReaderCreate();
	void *reply = NULL;

	ck_assert_ptr_nonnull(reader);
	ck_assert_int_eq(redisReaderFeed(reader, resp, strlen(resp)), REDIS_OK);
	ck_assert_int_eq(redisReaderGetReply(reader, &reply), REDIS_OK);
	ck_assert_ptr_nonnull(reply);
	redisReaderFree(reader);
	return reply;
}

START_TEST(slots_are_crc16_of_the_tag)
{
	/* Values from the Redis Cluster specification and CLUSTER KEYSLOT. */
	ck_assert_uint_eq(cluster_slot("123456789", 9), 0x31C3);
	ck_assert_uint_eq(cluster_slot("foo", 3), 12182);
	ck_assert_uint_eq(cluster_slot("somekey", 7), 11058);
	ck_assert_uint_eq(cluster_slot("", 0), 0);
	ck_assert_uint_lt(cluster_slot("\xff\xfe\x80", 3), CLUSTER_SLOTS);
}
END_TEST

START_TEST(reads_redirections)
{
	static const struct { const char *text; enum cluster_reply kind; const char *host; unsigned port; } cases[] = {
		{ "MOVED 3999 127.0.0.1:6381", CLUSTER_MOVED, "127.0.0.1", 6381 },
		{ "ASK 3999 10.0.0.2:7002", CLUSTER_ASK, "10.0.0.2", 7002 },
		{ "MOVED 1 redis-2.example.net:6379", CLUSTER_MOVED, "redis-2.example.net", 6379 },
		/* Redis writes IPv6 addresses without brackets, and "" for a node without a known address. */
		{ "MOVED 3999 2001:db8::7:6381", CLUSTER_MOVED, "2001:db8::7", 6381 },
		{ "ASK 12 :6380", CLUSTER_ASK, "", 6380 },
		{ "TRYAGAIN Multiple keys request during rehashing of slot", CLUSTER_TRYAGAIN, NULL, 0 },
		{ "CLUSTERDOWN The cluster is down", CLUSTER_DOWN, NULL, 0 },
		{ "CLUSTERDOWN Hash slot not served", CLUSTER_DOWN, NULL, 0 },
		{ "ERR unknown command", CLUSTER_OTHER, NULL, 0 },
		{ "MOVEDX 1 h:1", CLUSTER_OTHER, NULL, 0 },
		{ "MOVED 3999", CLUSTER_OTHER, NULL, 0 },
		{ "MOVED 3999 h", CLUSTER_OTHER, NULL, 0 },
		{ "MOVED 3999 h:", CLUSTER_OTHER, NULL, 0 },
		{ "MOVED 3999 h:0", CLUSTER_OTHER, NULL, 0 },
		{ "MOVED 3999 h:65536", CLUSTER_OTHER, NULL, 0 },
		{ "MOVED 3999 h:12x", CLUSTER_OTHER, NULL, 0 },
		{ "ASK", CLUSTER_OTHER, NULL, 0 },
	};
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct hostport to = { "unset", 0 };
		enum cluster_reply kind = cluster_reply_parse(cases[i].text, strlen(cases[i].text), &to);

		ck_assert_msg(kind == cases[i].kind, "%s: kind %d, want %d", cases[i].text, kind, cases[i].kind);
		if (cases[i].host) {
			ck_assert_str_eq(to.host, cases[i].host);
			ck_assert_uint_eq(to.port, cases[i].port);
		}
	}
}
END_TEST

/* Three masters as redis-cli --cluster create lays them out, with a replica each. */
static const char three_masters[] =
	"*3\r\n"
	"*4\r\n:0\r\n:5460\r\n*3\r\n$9\r\n127.0.0.1\r\n:7000\r\n$4\r\nid-a\r\n*3\r\n$9\r\n127.0.0.1\r\n:7003\r\n$4\r\nid-d\r\n"
	"*4\r\n:5461\r\n:10922\r\n*3\r\n$0\r\n\r\n:7001\r\n$4\r\nid-b\r\n*3\r\n$9\r\n127.0.0.1\r\n:7004\r\n$4\r\nid-e\r\n"
	"*3\r\n:10923\r\n:16383\r\n*3\r\n$1\r\n?\r\n:7002\r\n$4\r\nid-c\r\n";

START_TEST(finds_the_owner_in_cluster_slots)
{
	redisReply *reply = reply_of(three_masters);
	struct hostport owner;

	ck_assert_int_eq(cluster_slots_owner(reply, 0, "seed", &owner), 0);
	ck_assert_str_eq(owner.host, "127.0.0.1");
	ck_assert_uint_eq(owner.port, 7000);
	ck_assert_int_eq(cluster_slots_owner(reply, 5460, "seed", &owner), 0);
	ck_assert_uint_eq(owner.port, 7000);
	/* An empty or "?" address: the node that was asked. */
	ck_assert_int_eq(cluster_slots_owner(reply, 5461, "seed", &owner), 0);
	ck_assert_str_eq(owner.host, "seed");
	ck_assert_uint_eq(owner.port, 7001);
	ck_assert_int_eq(cluster_slots_owner(reply, 16383, "seed", &owner), 0);
	ck_assert_str_eq(owner.host, "seed");
	ck_assert_uint_eq(owner.port, 7002);
	freeReplyObject(reply);
}
END_TEST

START_TEST(refuses_what_serves_nobody)
{
	static const char *replies[] = {
		/* No range holds slot 7000 (a cluster with a hole: CLUSTERDOWN for it). */
		"*1\r\n*3\r\n:0\r\n:5460\r\n*2\r\n$1\r\nh\r\n:7000\r\n",
		"*0\r\n",
		"-ERR This instance has cluster support disabled\r\n",
		"*1\r\n*3\r\n:0\r\n:16383\r\n*2\r\n$1\r\nh\r\n:0\r\n",
		"*1\r\n*3\r\n:0\r\n:16383\r\n*2\r\n$1\r\nh\r\n$4\r\n7000\r\n",
		"*1\r\n*2\r\n:0\r\n:16383\r\n",
		"*1\r\n$5\r\nhello\r\n",
	};
	size_t i;

	for (i = 0; i < sizeof replies / sizeof replies[0]; i++) {
		redisReply *reply = reply_of(replies[i]);
		struct hostport owner;

		ck_assert_msg(cluster_slots_owner(reply, 7000, "seed", &owner) == -1, "reply %zu accepted", i);
		freeReplyObject(reply);
	}
}
END_TEST

static const char unwatch[] = "*1\r\n$7\r\nUNWATCH\r\n";
static const char watch[] = "*2\r\n$5\r\nWATCH\r\n$3\r\n{d}\r\n";
static const char multi[] = "*1\r\n$5\r\nmulti\r\n";
static const char xadd[] = "*5\r\n$4\r\nXADD\r\n$3\r\n{d}\r\n$1\r\n*\r\n$1\r\nk\r\n$0\r\n\r\n";
static const char exec[] = "*1\r\n$4\r\nEXEC\r\n";
static const char asking[] = "*1\r\n$6\r\nASKING\r\n";

START_TEST(asks_before_each_command_and_each_transaction)
{
	struct buf in = BUF_INIT(0), out = BUF_INIT(0), want = BUF_INIT(0), marks = BUF_INIT(0);
	bool in_multi = false;

	buf_puts(&in, unwatch);
	buf_puts(&in, watch);
	buf_puts(&in, multi);
	buf_puts(&in, xadd);
	buf_puts(&in, xadd);
	buf_puts(&in, exec);
	buf_puts(&in, watch);
	ck_assert_int_eq(cluster_add_asking(in.data, in.len, &in_multi, &out, &marks), 0);
	ck_assert(!in_multi);
	buf_puts(&want, asking);
	buf_puts(&want, unwatch);
	buf_puts(&want, asking);
	buf_puts(&want, watch);
	buf_puts(&want, asking);
	buf_puts(&want, multi);
	buf_puts(&want, xadd);
	buf_puts(&want, xadd);
	buf_puts(&want, exec);
	buf_puts(&want, asking);
	buf_puts(&want, watch);
	ck_assert_uint_eq(out.len, want.len);
	ck_assert(!memcmp(out.data, want.data, out.len));
	ck_assert_uint_eq(marks.len, 7);
	ck_assert(!memcmp(marks.data, "\1\1\1\0\0\0\1", 7));

	/* One command at a time, as redis_command() sends them: the transaction state carries over. */
	buf_reset(&out);
	buf_reset(&marks);
	ck_assert_int_eq(cluster_add_asking(multi, strlen(multi), &in_multi, &out, &marks), 0);
	ck_assert(in_multi);
	ck_assert_int_eq(cluster_add_asking(xadd, strlen(xadd), &in_multi, &out, &marks), 0);
	ck_assert_int_eq(cluster_add_asking(exec, strlen(exec), &in_multi, &out, &marks), 0);
	ck_assert(!in_multi);
	ck_assert(!memcmp(marks.data, "\1\0\0", 3));
	buf_free(&in);
	buf_free(&out);
	buf_free(&want);
	buf_free(&marks);
}
END_TEST

START_TEST(refuses_what_is_not_a_command)
{
	static const char *bad[] = {
		"PING\r\n",
		"*1\r\n$4\r\nPIN",
		"*2\r\n$4\r\nPING\r\n",
		"*1\r\n$4\r\nPINGX\r\n",
		"*0\r\n",
		"*1\r\n:4\r\n",
		"*1\r\n$-1\r\n",
	};
	size_t i;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct buf out = BUF_INIT(0), marks = BUF_INIT(0);
		bool in_multi = false;

		errno = 0;
		ck_assert_msg(cluster_add_asking(bad[i], strlen(bad[i]), &in_multi, &out, &marks) == -1, "%zu", i);
		ck_assert_int_eq(errno, EINVAL);
		buf_free(&out);
		buf_free(&marks);
	}
}
END_TEST

UNIT_SUITE("cluster", slots_are_crc16_of_the_tag, reads_redirections, finds_the_owner_in_cluster_slots,
	   refuses_what_serves_nobody, asks_before_each_command_and_each_transaction, refuses_what_is_not_a_command)
