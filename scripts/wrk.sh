# Reading wrk's reports, for scripts/bench: the figures of a run, the guard
# that refuses to print a rate measured on refusals, and what the login
# runs' answers were. Sourced; it only defines functions, so each can be
# tried on a report written by hand:
#   source scripts/wrk.sh; summarize report.txt; row "label" "$(summarize report.txt)"

# Reads wrk's report; prints "requests/s p50_ms p99_ms refused answers".
# `refused` is what wrk counts as "Non-2xx or 3xx responses" (statuses of
# 400 and up; no address the benchmark measures redirects), `answers` every
# answer it read.
summarize() {
    awk '
        function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /s$/) return v * 1000; return v }
        $1 == "Requests/sec:" { rps = $2 }
        $1 == "50%" { p50 = ms($2) }
        $1 == "99%" { p99 = ms($2) }
        /Non-2xx/ { bad = $NF }
        $2 == "requests" && $3 == "in" { answers = $1 }
        END { printf "%.0f %.2f %.2f %d %d\n", rps, p50, p99, bad, answers }
    ' "$1"
}

# Why a run has no rate worth printing, if it has none: when most of its
# answers were refusals, its requests per second measure how fast Lyceum
# says no. Prints nothing for a sound run.
no_rate() {
    local rps p50 p99 bad answers
    read -r rps p50 p99 bad answers <<<"$1"
    if [ "${answers:-0}" -eq 0 ]; then
        echo "no rate: no answers"
    elif [ $((2 * bad)) -gt "$answers" ]; then
        echo "no rate: $bad of $answers answers were not 2xx"
    fi
}

# One line of a results table: the label, then requests per second, p50
# and p99 of a result (from `summarize`), and any further columns given
# already formatted; or, in their place, why there is no rate. A sound run
# with some refusals is followed by a warning that counts them.
row() {
    local label="$1" result="$2"
    shift 2
    local rps p50 p99 bad answers refusal
    read -r rps p50 p99 bad answers <<<"$result"
    refusal="$(no_rate "$result")"
    if [ -n "$refusal" ]; then
        printf '%-34s %s\n' "$label" "$refusal"
        return
    fi
    printf '%-34s %10s %9s %9s' "$label" "$rps" "$p50" "$p99"
    [ $# -eq 0 ] || printf ' %s' "$@"
    printf '\n'
    [ "$bad" = 0 ] || echo "  warning: $bad of $answers answers were not 2xx"
}

# a's requests per second as a percentage of b's, with `decimals` places;
# "-" when either has no rate.
share() {
    local a="$1" b="$2" decimals="$3" arps brps
    if [ -n "$(no_rate "$a")" ] || [ -n "$(no_rate "$b")" ]; then
        echo "-"
        return
    fi
    read -r arps _ <<<"$a"
    read -r brps _ <<<"$b"
    awk -v a="$arps" -v b="$brps" -v d="$decimals" 'BEGIN { printf "%." d "f", (b > 0 ? 100 * a / b : 0) }'
}

# How many times run a's rate is run b's, to one decimal ("-" when either
# is not a rate).
ratio() {
    local a="$1" b="$2" arps brps
    if [ -n "$(no_rate "$a")" ] || [ -n "$(no_rate "$b")" ]; then
        echo "-"
        return
    fi
    read -r arps _ <<<"$a"
    read -r brps _ <<<"$b"
    awk -v a="$arps" -v b="$brps" 'BEGIN { printf "%.1f", (b > 0 ? a / b : 0) }'
}

# The Lua a login run adds to its script: it counts the answers by status,
# and a 429 also by its Retry-After, and wrk prints the counts at the end
# as lines "answers <status>[:<retry-after>] <count>".
login_counter_lua() {
    cat <<'LUA'
local threads = {}
setup = function(thread) threads[#threads + 1] = thread end
init = function(args) answers = {} end
response = function(status, headers, body)
    local key = tostring(status)
    if status == 429 then
        key = key .. ":" .. (headers["retry-after"] or headers["Retry-After"] or "none")
    end
    answers[key] = (answers[key] or 0) + 1
end
done = function(summary, latency, requests)
    for _, thread in ipairs(threads) do
        for key, n in pairs(thread:get("answers")) do
            io.write(string.format("answers %s %d\n", key, n))
        end
    end
end
LUA
}

# A login run's figures from its report: "logins/s p50_ms p99_ms refused
# answers", where only sign-ins that succeeded (2xx) count as logins, over
# the run's duration, and every other answer counts as refused.
summarize_logins() {
    awk '
        function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /s$/) return v * 1000; return v }
        function seconds(v) { sub(/,$/, "", v); if (v ~ /ms$/) return v / 1000; if (v ~ /m$/) return v * 60; if (v ~ /h$/) return v * 3600; return v + 0 }
        $1 == "answers" { answers += $3; if ($2 ~ /^2/) ok += $3 }
        $1 == "50%" { p50 = ms($2) }
        $1 == "99%" { p99 = ms($2) }
        $2 == "requests" && $3 == "in" { took = seconds($4) }
        END { printf "%.0f %.2f %.2f %d %d\n", (took > 0 ? ok / took : 0), p50, p99, answers - ok, answers }
    ' "$1"
}

# What a login run's answers were, one kind a line, and whether the run is
# sound. A 2xx is a sign-in. A 429 with "Retry-After: 5" is the password
# queue answering "busy" when it is full, which it does by design
# (BUSY_RETRY_SECS in src/server/accounts/password.rs). Anything else means
# the run measured something other than logins: a wrong password or an
# unknown address (401), an address not confirmed or a request refused as
# cross-site (403), a lockout or a rate limit (429 with another wait; a
# lockout's wait counts down and may read 5 too, but only after five
# failures, which are 401s). Prints the mix; returns 1 for a broken run.
login_mix() {
    awk '
        $1 == "answers" {
            split($2, key, ":")
            status = key[1]; wait = key[2]; n = $3; total += n
            if (status ~ /^2/) { what = "signed in" }
            else if (status == 429 && wait == 5) { what = "busy: the password queue was full (by design)" }
            else {
                broken += n
                if (status == 401) what = "BROKEN: wrong password or unknown address"
                else if (status == 403) what = "BROKEN: address not confirmed, or refused as cross-site"
                else if (status == 429) what = "BROKEN: a lockout or a rate limit (Retry-After " wait ")"
                else what = "BROKEN: unexpected"
            }
            printf "  %8d x %s  %s\n", n, status, what
        }
        END {
            if (total == 0) { print "  BROKEN: no answers were counted"; exit 1 }
            if (broken > 0) { printf "  broken run: %d of %d answers were not sign-ins or \"busy\"\n", broken, total; exit 1 }
        }
    ' "$1"
}
