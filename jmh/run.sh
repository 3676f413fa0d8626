#!/usr/bin/env bash
# Runs the mwsr benchmarks and writes JMH JSON plus a Markdown results table.
#
#   jmh/run.sh quick [extra JMH args]   representative subset, ~6 minutes on 2 cores
#   jmh/run.sh full  [extra JMH args]   everything, 2 forks, ~1.5 hours on 2 cores
#   jmh/run.sh targets [extra JMH args] the speed targets, ~40 minutes on 2 cores:
#                                       ThroughputBench (2, 4 writers, noop and file sinks), LatencyBench
#                                       (4 writers), FileBench (1, 4 threads), both file ceilings and
#                                       LogbackBench (4 threads), in $FORKS rounds (default 5) of one
#                                       fork each, so that mwsr's fork i and its peer's fork i run in
#                                       the same round, minutes apart; the table grades the
#                                       targets on the median of these per-fork ratios, with their
#                                       range and CPU time per item. A tiny check of the whole path:
#                                       FORKS=2 jmh/run.sh targets -wi 1 -w 200ms -i 1 -r 200ms
#   jmh/run.sh smoke [extra JMH args]   the quick subset, one 200 ms iteration each: does it all run?
#   jmh/run.sh list                     the benchmarks and the runs each profile makes
#   jmh/run.sh log4j-loss               Log4jLossCheck: does Log4j2's all-async setup deliver every
#                                       line? Log4j $LOG4J_VERSION (default 2.26.1) with Disruptor
#                                       $DISRUPTOR_VERSIONS (default "4.0.0 3.4.4"), 1 and 4 threads,
#                                       $LOSS_LINES lines (20000), $LOSS_PAUSE_MS before shutdown
#                                       (3000), on every JDK 17+ in /usr/lib/jvm; ~1 minute
#
# Output: jmh/runs/<profile>-<UTC stamp>.json (all runs merged), .md (the table, from report.py),
# .svg (report.py's chart of the ratios against each peer) and .machine.json (nproc, CPU, kernel, profile, date). Extra args go to every JMH run, e.g.
# `jmh/run.sh quick -foe true` or `jmh/run.sh full -p capacity=4096`.
# Java: $JAVA_HOME if it is 21+, else the newest /usr/lib/jvm/*/bin/java that is 21+, else `java`.
# The jar is built with Maven if it is missing (or always with REBUILD=1).
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
jar="$here/target/benchmarks.jar"

java_major() { # prints the feature version of the java binary $1, or 0
    local v
    v="$("$1" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.specification\.version = //p')"
    case "$v" in 1.*) echo 0 ;; '') echo 0 ;; *) echo "${v%%.*}" ;; esac
}

find_java() {
    if [[ -n "${JAVA_HOME:-}" && -x "$JAVA_HOME/bin/java" && $(java_major "$JAVA_HOME/bin/java") -ge 21 ]]; then
        echo "$JAVA_HOME/bin/java"; return
    fi
    local best="" best_v=0 j v
    for j in /usr/lib/jvm/*/bin/java; do
        [[ -x "$j" ]] || continue
        v=$(java_major "$j")
        if (( v >= 21 && v > best_v )); then best="$j"; best_v=$v; fi
    done
    if [[ -n "$best" ]]; then echo "$best"; return; fi
    if command -v java >/dev/null && (( $(java_major java) >= 21 )); then command -v java; return; fi
    echo "run.sh: no JDK 21+ found: set JAVA_HOME to one" >&2
    exit 1
}

profile="${1:-}"
[[ $# -gt 0 ]] && shift

# The Log4j reproducer: its own jars (fetched by Maven into jmh/target/log4j-loss), its own
# source file run by the java launcher (so the same file runs on JDK 17 and 25), a Markdown table.
if [[ "$profile" == log4j-loss ]]; then
    log4j="${LOG4J_VERSION:-2.26.1}"
    disruptors="${DISRUPTOR_VERSIONS:-4.0.0 3.4.4}"
    lines="${LOSS_LINES:-20000}"
    pause="${LOSS_PAUSE_MS:-3000}"
    jars="$here/target/log4j-loss"
    mkdir -p "$jars"
    for a in "org.apache.logging.log4j:log4j-api:$log4j" "org.apache.logging.log4j:log4j-core:$log4j" \
            $(for d in $disruptors; do echo "com.lmax:disruptor:$d"; done); do
        f="$jars/$(echo "$a" | cut -d: -f2)-$(echo "$a" | cut -d: -f3).jar"
        [[ -f "$f" ]] || (cd "$root" && mvn -B -ntp -q -N dependency:copy -Dartifact="$a" -DoutputDirectory="$jars" >/dev/null)
    done
    src="$here/src/main/java/dev/mwsr/jmh/Log4jLossCheck.java"
    javas=()
    for j in /usr/lib/jvm/*/bin/java; do
        [[ -x "$j" && ! -L "$(dirname "$(dirname "$j")")" ]] || continue
        (( $(java_major "$j") >= 17 )) && javas+=("$j")
    done
    echo "| Java | Log4j | Disruptor | threads | lines | in the file | lost |"
    echo "|---|---|---|---:|---:|---:|---:|"
    for j in "${javas[@]}"; do
        for d in $disruptors; do
            for t in 1 4; do
                cp="$jars/log4j-api-$log4j.jar:$jars/log4j-core-$log4j.jar:$jars/disruptor-$d.jar"
                line="$("$j" -cp "$cp" "$src" "$t" "$lines" "$pause" 2>/dev/null | tail -1 || true)"
                echo "run.sh: $line" >&2
                found="$(sed -n 's/.* written, \([0-9]*\) lines in the file.*/\1/p' <<< "$line")"
                lost="$(sed -n 's/.*), \([0-9]*\) lost (\(.*\))$/\1 (\2)/p' <<< "$line")"
                echo "| $(sed -n 's/.*Java \([^,]*\),.*/\1/p' <<< "$line") | $log4j | $d | $t | $lines | ${found:-?} | ${lost:-? (run failed)} |"
            done
        done
    done
    exit 0
fi

# Each run: "<benchmark regex>|<JMH args>". Implementations by name:
#   async, buffer                     mwsr AsyncBuffer (TRIGGER, BLOCK) and Buffer
#   disruptor-blocking/-yielding      LMAX Disruptor 4, multi-producer, batching handler
#   jctools                           MpscArrayQueue + hand-written consumer thread
#   abq                               ArrayBlockingQueue + take/drainTo thread (Logback's AsyncAppender)
#   synchronized                      a list behind a monitor, flushed inline
#   none                              (WorkBench) the work alone, no write
#   async-{line,block,mmap,appendClose}, buffer-block, buffered-writer, log4j2   (FileBench)
#   bytes, buffered-stream, buffered-stream-sync  (ByteBench: ByteBatchBuffer vs a shared BufferedOutputStream)
quick_runs=(
    'ThroughputBench.writers[24]$|-p impl=async,async-platform,buffer,disruptor-blocking,disruptor-yielding,disruptor-sleeping,jctools,abq,synchronized -p sink=noop'
    'VectorBench.writers2$|-p impl=async,buffer,disruptor-blocking -p n=2,8'
    'WorkBench.writers2$|-p impl=none,async,buffer,disruptor-blocking,abq'
    'LatencyBench.writers4$|-p impl=async,buffer,disruptor-blocking,abq,synchronized'
    'WakeupBench|-p impl=async,disruptor-blocking,jctools,abq'
    'FileBench.writers[14]$|-p impl=async-block,buffered-writer,log4j2'
    'FileBench.writers4$|-p impl=async-line,async-mmap,async-appendClose,buffer-block'
    'FileCeilingBench|'
    'ByteBench.writers[14]$|-p impl=bytes,buffered-stream -p sink=memory,file'
)
# Each mwsr impl sits next to the peer it is graded against (JMH runs a class's benchmarks by name, each
# over impl, then sink), so that the two sides of a pair run at most a few benchmarks apart in a round.
targets_runs=(
    'ThroughputBench.writers[24]$|-p impl=async,abq,jctools,disruptor-blocking,disruptor-yielding,disruptor-sleeping,buffer,synchronized'
    'LatencyBench.writers4$|-p impl=async,abq,buffer,synchronized'
    'FileCeilingBench|'
    'FileBench.writers4$|-p impl=async-block,async-mmap,async-records,bytes-file,buffered-writer'
    'FileBench.writers1$|-p impl=async-block,async-mmap,async-records,bytes-file,buffered-writer'
    'LogbackBench.threads4$|-p impl=mwsr-file,logback-async-tuned,logback-file'
)
full_runs=(
    'ThroughputBench|'
    'VectorBench|'
    'WorkBench|'
    'LatencyBench|'
    'WakeupBench|'
    'FileBench|'
    'FileCeilingBench|'
    'ByteBench|'
)
quick_args=(-f 1 -wi 2 -w 1s -i 3 -r 1s -prof gc)
full_args=(-f 2 -wi 5 -w 2s -i 5 -r 2s -prof gc)
targets_args=(-f 1 -wi 3 -w 1s -i 4 -r 1s -prof gc) # one fork per round, $FORKS rounds
smoke_args=(-f 1 -wi 0 -w 1s -i 1 -r 200ms -prof gc)

rounds=1
case "$profile" in
    quick) runs=("${quick_runs[@]}"); args=("${quick_args[@]}") ;;
    full) runs=("${full_runs[@]}"); args=("${full_args[@]}") ;;
    targets)
        runs=("${targets_runs[@]}"); args=("${targets_args[@]}"); rounds="${FORKS:-5}"
        if [[ " $* " == *" -f "* ]]; then
            echo "run.sh: the targets profile runs one fork per round; set FORKS=<rounds> instead of -f" >&2
            exit 2
        fi
        [[ "$rounds" =~ ^[1-9][0-9]*$ ]] || { echo "run.sh: FORKS must be a positive number, not '$rounds'" >&2; exit 2; } ;;
    smoke) runs=("${quick_runs[@]}"); args=("${smoke_args[@]}") ;;
    list)
        echo "quick: ${quick_args[*]}"; printf '  %s\n' "${quick_runs[@]}"
        echo "full: ${full_args[*]}"; printf '  %s\n' "${full_runs[@]}"
        echo "targets: ${targets_args[*]}, \$FORKS (5) rounds"; printf '  %s\n' "${targets_runs[@]}"
        exit 0 ;;
    *) sed -n '2,24p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac

# An option given on the command line replaces the profile's (JMH rejects an option given twice).
profile_args=()
for ((k = 0; k < ${#args[@]}; k += 2)); do
    opt="${args[k]}"
    if [[ "$opt" == -prof || " $* " != *" $opt "* ]]; then profile_args+=("$opt" "${args[k + 1]}"); fi
done
args=("${profile_args[@]}")

python3 "$here/report.py" --self-test >&2 # the pairing and median arithmetic, before an hour is spent
java="$(find_java)"
if [[ ! -f "$jar" || "${REBUILD:-0}" == 1 ]]; then
    (cd "$root" && mvn -B -ntp -q -pl jmh -am package -Djmh.smoke.skip=true -DskipTests)
fi

stamp="$(date -u +%Y%m%dT%H%M%SZ)"
out="$here/runs"
mkdir -p "$out"
base="$out/$profile-$stamp"
parts="$(mktemp -d)"
trap 'rm -rf "$parts"' EXIT

cat > "$base.machine.json" <<EOF
{"profile": "$profile", "date": "$(date -u +%Y-%m-%dT%H:%M:%SZ)", "nproc": $(nproc),
 "cpu": "$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1 | sed 's/"/\\"/g')",
 "kernel": "$(uname -sr)", "java": "$java",
 "jmhArgs": "$(printf '%s ' "${args[@]}" "$@" | sed 's/"/\\"/g')", "rounds": $rounds}
EOF

echo "run.sh: $profile profile with $java -> $base.json" >&2
failed=0
for ((r = 1; r <= rounds; r++)); do
    i=0
    for run in "${runs[@]}"; do
        regex="${run%%|*}"
        read -r -a params <<< "${run#*|}"
        i=$((i + 1))
        echo "run.sh: round $r/$rounds [$i/${#runs[@]}] $regex ${params[*]:-}" >&2
        # The part's name starts with f<round>-: report.py --merge names each fork by its round.
        if ! "$java" -jar "$jar" "$regex" "${params[@]}" "${args[@]}" "$@" \
                -rf json -rff "$parts/$(printf 'f%02d-%02d' "$r" "$i").json"; then
            echo "run.sh: JMH failed for $regex; continuing with the next run" >&2
            failed=1
        fi
    done
done

shopt -s nullglob
python3 "$here/report.py" --merge "$base.json" "$parts"/f*.json
python3 "$here/report.py" --svg "$base.svg" "$base.json" > "$base.md"
echo "run.sh: wrote $base.json, $base.md and $base.svg (the ratios chart)" >&2
cat "$base.md"
exit $failed
