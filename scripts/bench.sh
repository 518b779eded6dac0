#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# make bench: the cost of one invalidation call and of one entry, ours
# against upstream iommufd, the copy floor and the system's own floors (an
# empty ioctl, io_uring's NOP), on a slim non-debug 6.12 kernel
# (scripts/kconfig/x86_64-bench.config: IOMMUFD + IOMMUFD_TEST built in,
# our module loaded with mock=1).
#
# Every row is measured twice with the same kernel, module and binary:
#   - instructions: a boot with one vCPU and QEMU's
#     "-icount shift=0,sleep=off,align=off", where the guest's clock moves
#     one nanosecond per guest instruction (deterministic: judge changes by
#     these);
#   - wall time: a normal boot (TCG; moves with the host's load and with
#     the module's code layout).
# Each figure is the minimum of 5 runs, printed with the maximum; an
# instruction row whose max is more than 2% above its min is flagged.
#
# Writes out/bench/: insn.txt and wall.txt (the raw rows), bench.txt (the
# tables and targets), bench.dat and bench.png (instructions per entry).
# BENCH_BASELINE=DIR compares the wall times with DIR/wall.txt of an
# earlier run ("no worse than before"); BENCH_REUSE=1 only tabulates the
# raw rows of the last run again.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

out="$TOP/out/bench"
mkdir -p "$out"
if [ "${BENCH_REUSE:-0}" != 1 ]; then
bash "$TOP/scripts/setup.sh" bench >&2
kdir=$(bash "$TOP/scripts/build-kernel.sh" x86_64 \
	"$TOP/scripts/kconfig/x86_64-bench.config")

# The 6.12 UAPI headers (linux/iommufd.h with IOMMU_HWPT_INVALIDATE).
[ -f "$kdir/usr/include/linux/iommufd.h" ] ||
	make -s -C "$LINUX_SRC" O="$kdir" headers >&2
build_module "$kdir" "$out/module" modules >&2
gcc -static -O2 -g -Wall -D_GNU_SOURCE -I"$TOP/include/uapi" \
	-I"$kdir/usr/include" -I"$LINUX_SRC/drivers/iommu/iommufd" \
	-o "$out/iommufd_inv_bench" \
	"$TOP/tools/testing/selftests/iommufd_inv/iommufd_inv_bench.c" \
	-luring

for mode in insn wall; do
	log "benchmark, $mode boot (a few minutes under TCG)"
	args=()
	[ "$mode" = wall ] || args=(--icount)
	bash "$TOP/scripts/vm-run.sh" --kernel "$kdir/arch/x86/boot/bzImage" \
		--module "$out/module/iommufd_inv.ko" --modparams mock=1 \
		--add "$out/iommufd_inv_bench" --dir "$out/vm-$mode" \
		--timeout 2400 "${args[@]}" -- iommufd_inv_bench "$mode" |
		tr -d '\r' >"$out/$mode.txt"
	grep -q '^# done' "$out/$mode.txt" ||
		die "the $mode run did not finish: $out/$mode.txt"
done
fi
grep -q '^# mode insn, unit instructions, 5 runs, 1 CPUs' "$out/insn.txt" ||
	die "the instruction run did not have exactly one vCPU"

base=${BENCH_BASELINE:-}
[ -z "$base" ] || [ -f "$base/wall.txt" ] || die "no $base/wall.txt"

# Tables, targets, plot data. ROW lines: name entries sqes min max.
awk -v base="${base:+$base/wall.txt}" -v dat="$out/bench.dat" '
function key(nm, n) { return nm " " n }
function cell(a, k) { return (k in a) ? sprintf("%.1f", a[k]) : "-" }
function flag(k) { return (k in imax && imax[k] > 1.02 * imin[k]) ? "*" : "" }
function ratio(x, y) { return (x == "" || y == "" || !y) ? "-" : sprintf("%.2f", x / y) }
BEGIN {
	while ((getline l < ARGV[1]) > 0) {
		split(l, f, " "); if (f[1] != "ROW") continue
		k = key(f[2], f[3]); imin[k] = f[5]; imax[k] = f[6]
		if (!(f[3] in seen)) { seen[f[3]] = 1; ns[++nsz] = f[3] }
	}
	while ((getline l < ARGV[2]) > 0) {
		split(l, f, " "); if (f[1] != "ROW") continue
		k = key(f[2], f[3]); wmin[k] = f[5]; wmax[k] = f[6]
	}
	if (base != "")
		while ((getline l < base) > 0) {
			split(l, f, " "); if (f[1] != "ROW") continue
			bmin[key(f[2], f[3])] = f[5]
		}
	ARGV[1] = ARGV[2] = ""
	ncol = split("floor upstream ioctl a1 a8 a64 i1 i8 i64", col, " ")

	print "## every row: min and max of 5 runs (* : instruction spread > 2%)"
	printf "%-10s %6s %12s %12s %6s %12s %12s\n", "row", "n", "insn min", "insn max", "", "ns min", "ns max"
	nflag = 0
	for (k in imin) rows[++nr] = k
	for (i = 1; i <= nr; i++)	# sort by name, then n
		for (j = i + 1; j <= nr; j++) {
			split(rows[i], a, " "); split(rows[j], b, " ")
			if (a[1] > b[1] || (a[1] == b[1] && a[2] + 0 > b[2] + 0)) { t = rows[i]; rows[i] = rows[j]; rows[j] = t }
		}
	for (i = 1; i <= nr; i++) {
		k = rows[i]; split(k, a, " ")
		if (flag(k) != "") nflag++
		printf "%-10s %6s %12.1f %12.1f %6s %12s %12s\n", a[1], a[2], imin[k], imax[k], flag(k), cell(wmin, k), cell(wmax, k)
	}
	printf "instruction rows with spread > 2%%: %d\n\n", nflag

	for (t = 1; t <= 2; t++) {
		print (t == 1 ? "## instructions per entry (8-byte entries that alternate: ours IOTLB_ALL/PASID_CACHE_ALL, upstream iotlb_id 0/1; io_uring: per entry, k SQEs per submit)" : "## ns per entry, wall time (TCG), the same rows")
		printf "%-7s", "entries"
		for (c = 1; c <= ncol; c++) printf " %9s", col[c]
		printf " %8s %8s\n", "ours/up", "ours/flr"
		for (s = 1; s <= nsz; s++) {
			n = ns[s]; printf "%-7s", n
			for (c = 1; c <= ncol; c++) {
				k = key(col[c], n)
				printf " %9s", t == 1 ? cell(imin, k) flag(k) : cell(wmin, k)
			}
			if (t == 1) printf " %8s %8s\n", ratio(imin[key("ioctl", n)], imin[key("upstream", n)]), ratio(imin[key("ioctl", n)], imin[key("floor", n)])
			else printf " %8s %8s\n", ratio(wmin[key("ioctl", n)], wmin[key("upstream", n)]), ratio(wmin[key("ioctl", n)], wmin[key("floor", n)])
		}
		print ""
	}

	print "## uniform entries (ours all IOTLB_ALL, upstream all iotlb_id 0), per entry: instructions (ns)"
	printf "%-7s %9s %9s %9s %9s %8s %8s\n", "entries", "floor", "uupstrm", "uioctl", "ua64", "ours/up", "ours/flr"
	for (s = 1; s <= nsz; s++) {
		n = ns[s]
		printf "%-7s %9s %9s %9s %9s %8s %8s\n", n, cell(imin, key("floor", n)), cell(imin, key("uupstream", n)) flag(key("uupstream", n)), cell(imin, key("uioctl", n)) flag(key("uioctl", n)), cell(imin, key("ua64", n)) flag(key("ua64", n)), ratio(imin[key("uioctl", n)], imin[key("uupstream", n)]), ratio(imin[key("uioctl", n)], imin[key("floor", n)])
		printf "%-7s %9s %9s %9s %9s\n", "  (ns)", cell(wmin, key("floor", n)), cell(wmin, key("uupstream", n)), cell(wmin, key("uioctl", n)), cell(wmin, key("ua64", n))
	}
	print ""

	print "## floors, per call or per SQE: instructions (ns)"
	split("getinfo nop1 nop8 nop64 cmd64", fl, " ")
	for (i = 1; i <= 5; i++) printf "%-8s %8s (%s)\n", fl[i], cell(imin, key(fl[i], 1)), cell(wmin, key(fl[i], 1))
	print ""

	print "## ladder of one single-entry HWPT_INVALIDATE, instructions (the call stopped after each step)"
	split("door fetch lookup engine+chunk+check lock+op statistics", ln, " ")
	prev = 0
	for (r = 0; key("ladder" r, 1) in imin; r++) {
		v = imin[key("ladder" r, 1)]
		printf "ours  %-22s %8.0f  (+%.0f)\n", ln[r + 1], v, v - prev; prev = v
	}
	if (prev) { v = imin[key("ioctl", 1)]; printf "ours  %-22s %8.0f  (+%.0f)\n", "out fields (full call)", v, v - prev }
	split("door fetch+respond lookup+op(0)+respond", un, " ")
	prev = 0
	for (r = 0; key("upladder" r, 1) in imin; r++) {
		v = imin[key("upladder" r, 1)]
		printf "upstr %-22s %8.0f  (+%.0f)\n", un[r + 1], v, v - prev; prev = v
	}
	if (prev) { v = imin[key("upstream", 1)]; printf "upstr %-22s %8.0f  (+%.0f)\n", "one entry (full call)", v, v - prev }
	print ""

	print "## targets (instructions; per-entry targets on the alternating rows, uniform beside)"
	up1 = imin[key("upstream", 1)]; io1 = imin[key("ioctl", 1)]; gi = imin[key("getinfo", 1)]
	printf "single-entry call <= upstream single-entry call: %.0f vs %.0f (%.2fx): %s\n", io1, up1, io1 / up1, io1 <= up1 ? "met" : "NOT met"
	printf "single-entry call <= 1.5x empty ioctl: %.0f vs %.0f (%.2fx): %s\n", io1, gi, io1 / gi, io1 <= 1.5 * gi ? "met" : "NOT met"
	w = 0; wf = 0
	for (s = 1; s <= nsz; s++) {
		n = ns[s] + 0
		if (n >= 64 && (x = imin[key("ioctl", n)] / imin[key("upstream", n)]) > w) w = x
		if (n >= 4096 && (x = imin[key("ioctl", n)] / imin[key("floor", n)]) > wf) wf = x
	}
	uw = 0; uwf = 0
	for (s = 1; s <= nsz; s++) {
		n = ns[s] + 0
		if (n >= 64 && (key("uioctl", n) in imin) && (x = imin[key("uioctl", n)] / imin[key("uupstream", n)]) > uw) uw = x
		if (n >= 4096 && (key("uioctl", n) in imin) && (x = imin[key("uioctl", n)] / imin[key("floor", n)]) > uwf) uwf = x
	}
	printf "per entry at >= 64 entries <= 0.5x upstream: worst %.2fx: %s (uniform rows: worst %.2fx)\n", w, w <= 0.5 ? "met" : "NOT met", uw
	printf "per entry at >= 4096 entries <= 2x the copy floor: worst %.2fx: %s (uniform rows: worst %.2fx)\n", wf, wf <= 2 ? "met" : "NOT met", uwf
	i64 = imin[key("i64", 1)]; a64 = imin[key("a64", 1)]; nop = imin[key("nop64", 1)]
	printf "io_uring inline x64 per SQE <= 0.7x upstream single-entry ioctl: %.0f (%.2fx; %.0f above NOP): %s%s\n", i64, i64 / up1, i64 - nop, i64 <= 0.7 * up1 ? "met" : "NOT met", i64 <= 0.5 * up1 ? " (and <= 0.5x)" : ""
	printf "io_uring array x64 per SQE <= 0.8x upstream single-entry ioctl: %.0f (%.2fx; %.0f above NOP): %s\n", a64, a64 / up1, a64 - nop, a64 <= 0.8 * up1 ? "met" : "NOT met"
	if (base != "") {
		# Our rows against the baseline; rows of code that did not
		# change (upstream, floors) show how far TCG time moves alone.
		worse = ""; nw = 0; drift = 0
		for (k in wmin) {
			if (!(k in bmin)) continue
			split(k, a, " ")
			if (a[1] ~ /^(ioctl|a1|a8|a64|i1|i8|i64|uioctl|ua64)$/) {
				if (wmin[k] > bmin[k]) { worse = worse sprintf(" %s/%s %+.0f%%", a[1], a[2], 100 * (wmin[k] / bmin[k] - 1)); nw++ }
			} else if (a[1] ~ /^(upstream|uupstream|floor|getinfo|nop1|nop8|nop64)$/) {
				x = wmin[k] / bmin[k]; if (x < 1) x = 1 / x
				if (x > drift) drift = x
			}
		}
		printf "wall time of our rows no worse than the baseline: %s%s\n", nw ? "NOT met:" : "met", worse
		printf "  (rows of unchanged code moved by up to %.0f%% between the two runs)\n", 100 * (drift - 1)
	} else
		print "wall time no worse than before: no baseline (BENCH_BASELINE=DIR)"

	for (s = 1; s <= nsz; s++) {
		n = ns[s]; printf "%s", n > dat
		for (c = 1; c <= ncol; c++) { k = key(col[c], n); printf " %s", (k in imin) ? imin[k] : "NaN" > dat }
		printf "\n" > dat
	}
}' "$out/insn.txt" "$out/wall.txt" | tee "$out/bench.txt"

gnuplot <<GP
set terminal pngcairo size 1000,640 noenhanced
set output "$out/bench.png"
set title "Instructions per invalidation entry (8-byte entries that alternate, QEMU -icount, Linux 6.12)"
set logscale xy
set xlabel "entries per call"
set ylabel "guest instructions per entry"
set key outside right
set grid
set datafile missing "NaN"
plot "$out/bench.dat" using 1:2 with linespoints title "copy floor", \
     "" using 1:3 with linespoints title "upstream IOMMU_HWPT_INVALIDATE", \
     "" using 1:4 with linespoints title "iommufd-inv ioctl", \
     "" using 1:5 with linespoints title "io_uring array x1", \
     "" using 1:7 with linespoints title "io_uring array x64", \
     "" using 1:10 with linespoints title "io_uring inline x64"
GP
log "plot: $out/bench.png"
