/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The run's result: one JSON object (stdout) and a summary (stderr). Rates:
 * tx over the sending window (first frame the port took to the stop), rx
 * over the first frame sent to the last frame received. Latencies are the
 * histogram's quantiles in nanoseconds (the middle of the bucket, within
 * 3 %), from TSC deltas: generation of the burst to the reply's rx burst.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "pg.h"

#ifndef JITSU_VERSION
#define JITSU_VERSION "0.1"
#endif

static double
pg_ns(const struct pg_times *t, uint64_t cycles)
{
	return t->tsc_hz ? (double)cycles * 1e9 / (double)t->tsc_hz : 0;
}

static void
pg_json_latency(FILE *f, const struct pg_times *t, const struct pg_hist *h)
{
	fprintf(f, "{\"count\": %" PRIu64, h->count);
	if (h->count == 0) {
		fprintf(f, ", \"min\": null, \"p50\": null, \"p90\": null, \"p99\": null, "
			"\"p999\": null, \"max\": null, \"mean\": null}");
		return;
	}
	fprintf(f, ", \"min\": %.0f, \"p50\": %.0f, \"p90\": %.0f, \"p99\": %.0f, \"p999\": %.0f, "
		"\"max\": %.0f, \"mean\": %.0f}", pg_ns(t, h->min),
		pg_ns(t, pg_hist_quantile(h, 0.50)), pg_ns(t, pg_hist_quantile(h, 0.90)),
		pg_ns(t, pg_hist_quantile(h, 0.99)), pg_ns(t, pg_hist_quantile(h, 0.999)),
		pg_ns(t, h->max), pg_ns(t, h->sum / h->count));
}

static void
pg_json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(f, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			fprintf(f, "\\u%04x", *s);
		else
			fputc(*s, f);
	}
	fputc('"', f);
}

void
pg_report(FILE *out, FILE *err, const struct pg_config *cfg, const struct pg_stats *st,
	  const struct pg_times *t, const struct pg_port_stats *ps,
	  const struct pg_probe_result *probe)
{
	uint64_t sum[PG_KC__COUNT] = { 0 };
	static struct pg_hist all; /* 15 KiB: not on the stack */

	memset(&all, 0, sizeof(all));
	for (int k = 0; k < PG_K__COUNT; k++) {
		for (int c = 0; c < PG_KC__COUNT; c++)
			sum[c] += st->kind[k][c];
		pg_hist_merge(&all, &st->lat[k]);
	}
	uint64_t tx_end = t->stop_tx ? t->stop_tx : t->tx_last;
	double tx_s = t->tx_first && tx_end > t->tx_first ? pg_ns(t, tx_end - t->tx_first) / 1e9 : 0;
	double rx_s = t->tx_first && t->rx_last > t->tx_first ?
		      pg_ns(t, t->rx_last - t->tx_first) / 1e9 : 0;
	double tx_mpps = tx_s > 0 ? (double)sum[PG_KC_sent] / tx_s / 1e6 : 0;
	double rx_mpps = rx_s > 0 ? (double)st->rx_frames / rx_s / 1e6 : 0;
	/* on the wire: the FCS is not in our buffers */
	double tx_gbps = tx_s > 0 ? (double)(sum[PG_KC_sent_bytes] + PG_FCS_LEN * sum[PG_KC_sent]) *
				     8 / tx_s / 1e9 : 0;
	double rx_gbps = rx_s > 0 ? (double)(st->rx_bytes + PG_FCS_LEN * st->rx_frames) * 8 /
				     rx_s / 1e9 : 0;
	uint64_t lost = sum[PG_KC_sent] > sum[PG_KC_received] ? sum[PG_KC_sent] - sum[PG_KC_received]
							      : 0;

	fprintf(out, "{\"tool\": \"jitsu-pktgen\", \"version\": \"%s\", \"profile\": ", JITSU_VERSION);
	pg_json_str(out, cfg->profile);
	fprintf(out, ", \"mix\": {");
	for (int k = 0, first = 1; k < PG_K__COUNT; k++) {
		if (!cfg->weight[k])
			continue;
		fprintf(out, "%s\"%s\": %u", first ? "" : ", ", pg_kind_names[k], cfg->weight[k]);
		first = 0;
	}
	if (cfg->imix)
		fprintf(out, "}, \"imix\": true, \"size\": null, ");
	else
		fprintf(out, "}, \"imix\": false, \"size\": %u, ", cfg->size);
	if (cfg->rate_pps)
		fprintf(out, "\"rate_pps\": %" PRIu64, cfg->rate_pps);
	else
		fprintf(out, "\"rate_pps\": null");
	fprintf(out, ", \"flood\": ");
	if (cfg->flood >= 0)
		pg_json_str(out, pg_kind_names[cfg->flood]);
	else
		fprintf(out, "null");
	fprintf(out, ", \"lossy\": %s, \"down_port\": %s", cfg->lossy ? "true" : "false",
		cfg->down_port != PG_PORT_NONE ? "true" : "false");
	fprintf(out, ", \"duration_s\": %.3f, \"interrupted\": %s, \"drain_ms\": %u, "
		"\"tsc_hz\": %" PRIu64 ",\n", cfg->duration_s, t->interrupted ? "true" : "false",
		cfg->drain_ms, t->tsc_hz);
	fprintf(out, " \"tx\": {\"packets\": %" PRIu64 ", \"bytes\": %" PRIu64 ", \"seconds\": %.6f, "
		"\"mpps\": %.6f, \"gbps\": %.6f},\n", sum[PG_KC_sent], sum[PG_KC_sent_bytes], tx_s,
		tx_mpps, tx_gbps);
	fprintf(out, " \"rx\": {\"packets\": %" PRIu64 ", \"bytes\": %" PRIu64 ", \"seconds\": %.6f, "
		"\"mpps\": %.6f, \"gbps\": %.6f},\n", st->rx_frames, st->rx_bytes, rx_s, rx_mpps,
		rx_gbps);
	fprintf(out, " \"sent\": %" PRIu64 ", \"received\": %" PRIu64 ", \"lost\": %" PRIu64
		", \"correct\": %" PRIu64 ", \"wrong\": %" PRIu64 ", \"echoed\": %" PRIu64 ",\n",
		sum[PG_KC_sent], sum[PG_KC_received], lost, sum[PG_KC_correct], sum[PG_KC_wrong],
		sum[PG_KC_echoed]);
	fprintf(out, " \"latency_ns\": ");
	pg_json_latency(out, t, &all);
	fprintf(out, ",\n \"kinds\": {");
	for (int k = 0, first = 1; k < PG_K__COUNT; k++) {
		const uint64_t *c = st->kind[k];
		if (!cfg->weight[k] && cfg->flood != k && c[PG_KC_received] == 0)
			continue;
		fprintf(out, "%s\n  \"%s\": {", first ? "" : ",", pg_kind_names[k]);
		first = 0;
		for (int i = 0; i < PG_KC__COUNT; i++)
			fprintf(out, "\"%s\": %" PRIu64 ", ", pg_kind_counter_names[i], c[i]);
		fprintf(out, "\"lost\": %" PRIu64 ", \"latency_ns\": ",
			c[PG_KC_sent] > c[PG_KC_received] ? c[PG_KC_sent] - c[PG_KC_received] : 0);
		pg_json_latency(out, t, &st->lat[k]);
		fputc('}', out);
	}
	fprintf(out, "},\n \"counters\": {");
	for (int i = 0; i < PG_C__COUNT; i++)
		fprintf(out, "%s\"%s\": %" PRIu64, i ? ", " : "", pg_counter_names[i], st->cnt[i]);
	fprintf(out, "},\n \"probe\": ");
	if (probe)
		fprintf(out, "{\"sent\": %" PRIu64 ", \"answers\": %" PRIu64 ", \"other\": %" PRIu64
			", \"ms\": %.3f}", probe->sent, probe->answers, probe->other, probe->ms);
	else
		fprintf(out, "null");
	fprintf(out, ",\n \"port\": {\"name\": ");
	pg_json_str(out, ps->name);
	fprintf(out, ", \"ipackets\": %" PRIu64 ", \"opackets\": %" PRIu64 ", \"ibytes\": %" PRIu64
		", \"obytes\": %" PRIu64 ", \"imissed\": %" PRIu64 ", \"ierrors\": %" PRIu64
		", \"oerrors\": %" PRIu64 ", \"rx_nombuf\": %" PRIu64 "}}\n", ps->ipackets,
		ps->opackets, ps->ibytes, ps->obytes, ps->imissed, ps->ierrors, ps->oerrors,
		ps->rx_nombuf);
	fflush(out);

	if (err == NULL)
		return;
	fprintf(err, "jitsu-pktgen: %s%s%s, %.3f s: sent %" PRIu64 " (%.3f Mpps, %.3f Gb/s), "
		"received %" PRIu64 " (%.3f Mpps), lost %" PRIu64 "\n", cfg->profile,
		cfg->imix ? " imix" : "", t->interrupted ? " (interrupted)" : "", tx_s, sum[PG_KC_sent], tx_mpps, tx_gbps, st->rx_frames,
		rx_mpps, lost);
	fprintf(err, "  %-9s %10s %10s %10s %10s %8s %8s %10s %10s %10s\n", "kind", "sent",
		"received", "correct", "echoed", "wrong", "lost", "p50 us", "p99 us", "p99.9 us");
	for (int k = 0; k < PG_K__COUNT; k++) {
		const uint64_t *c = st->kind[k];
		const struct pg_hist *h = &st->lat[k];
		if (!cfg->weight[k] && cfg->flood != k && c[PG_KC_received] == 0)
			continue;
		fprintf(err, "  %-9s %10" PRIu64 " %10" PRIu64 " %10" PRIu64 " %10" PRIu64 " %8" PRIu64
			" %8" PRIu64 " %10.1f %10.1f %10.1f\n", pg_kind_names[k], c[PG_KC_sent],
			c[PG_KC_received], c[PG_KC_correct], c[PG_KC_echoed], c[PG_KC_wrong],
			c[PG_KC_sent] > c[PG_KC_received] ? c[PG_KC_sent] - c[PG_KC_received] : 0,
			pg_ns(t, pg_hist_quantile(h, 0.5)) / 1e3, pg_ns(t, pg_hist_quantile(h, 0.99)) / 1e3,
			pg_ns(t, pg_hist_quantile(h, 0.999)) / 1e3);
	}
	if (all.count)
		fprintf(err, "  latency (all): p50 %.1f us, p90 %.1f us, p99 %.1f us, p99.9 %.1f us, "
			"max %.1f us\n", pg_ns(t, pg_hist_quantile(&all, 0.5)) / 1e3,
			pg_ns(t, pg_hist_quantile(&all, 0.9)) / 1e3,
			pg_ns(t, pg_hist_quantile(&all, 0.99)) / 1e3,
			pg_ns(t, pg_hist_quantile(&all, 0.999)) / 1e3, pg_ns(t, all.max) / 1e3);
	for (int i = 0; i < PG_C__COUNT; i++)
		if (st->cnt[i])
			fprintf(err, "  %-16s %10" PRIu64 "  %s\n", pg_counter_names[i], st->cnt[i],
				pg_counter_help[i]);
	if (ps->imissed || ps->ierrors || ps->oerrors || ps->rx_nombuf)
		fprintf(err, "  port %s: imissed %" PRIu64 ", ierrors %" PRIu64 ", oerrors %" PRIu64
			", rx_nombuf %" PRIu64 "\n", ps->name, ps->imissed, ps->ierrors, ps->oerrors,
			ps->rx_nombuf);
}
