#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# tests/check-log-tags.sh: every message the module writes to the error log
# starts with its own tag, "CLINICnnnn: ", and no two messages share one, so
# an operator who greps or alerts on a tag gets one event.  docs/log-tags.md
# lists exactly the tags in use.
#
# A use is a string literal that starts with the tag; a tag anywhere else
# (a comment, the middle of a message, the README) is a reference, and must
# name a tag in use.  A log call is any call of LOG_FNS, or any call with an
# APLOG_ (or CLINIC_LOG_) level and a string literal among its arguments.  A call whose
# message is not a literal, or is just "%s", only forwards: it is allowed
# inside a function that is itself in LOG_FNS, whose callers are checked.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

# clinic_log: the core's; req_log, store_log: the callbacks it hands its line
# to (the module's, clinicctl's), which only forward
LOG_FNS=${LOG_FNS:-"ap_log_error ap_log_rerror ap_log_perror ap_log_cerror clinic_log req_log store_log"}
# the module's and clinicctl's own C sources, wherever the layout puts them
mapfile -t sources < <(git ls-files -co --exclude-standard -- '*.c' '*.h' |
                       grep -vE '^(tests|bench|build)/' | sort)
doc=docs/log-tags.md
# where tags are named for people: each must be one in use
mapfile -t refs < <(git ls-files -co --exclude-standard -- README.md 'docs/*.md' \
                    'conf/*' 'tests/integration/*.c' 'tests/fail2ban/*' 'debian/*' |
                    grep -vx "$doc" | sort)

work=$(mktemp -d /tmp/clinic-log-tags.XXXXXX)
trap 'rm -rf "$work"' EXIT

LOG_FNS="$LOG_FNS" perl -e '
use strict; use warnings;
my %logfn = map { $_ => 1 } split " ", $ENV{LOG_FNS};
my (%uses, @bad, %mentioned);
sub lineof { my ($t, $pos) = @_; return 1 + (substr($t, 0, $pos) =~ tr/\n//); }
for my $file (@ARGV) {
    open my $fh, "<", $file or die "$file: $!";
    local $/; my $src = <$fh>; close $fh;
    # comments out, strings kept, newlines kept for line numbers
    my $t = $src;
    $t =~ s{("(?:\\.|[^"\\\n])*"|\x27(?:\\.|[^\x27\\\n])*\x27)|/\*.*?\*/|//[^\n]*}
           { defined $1 ? $1 : do { (my $c = $&) =~ s/[^\n]/ /g; $c } }gse;
    while ($src =~ /CLINIC(\d{4})/g) { $mentioned{"CLINIC$1"} ||= "$file:" . lineof($src, $-[0]); }
    while ($t =~ /"(CLINIC\d{4}): /g) { push @{$uses{$1}}, "$file:" . lineof($t, $-[0]); }
    (my $flat = $t) =~ s{"(?:\\.|[^"\\\n])*"}{ "\"" . ("_" x (length($&) - 2)) . "\"" }ge;
    # function definitions at the left margin: where each call sits
    my @defs;
    while ($flat =~ /^[A-Za-z_][\w \t\*]*?\b(\w+)\s*\([^;{}]*\)\s*\{/mg) {
        push @defs, [$-[0], $1];
    }
    while ($flat =~ /\b([A-Za-z_]\w*)\s*\(/g) {
        my ($name, $open, $start) = ($1, $+[0] - 1, $-[0]);
        # the arguments, up to the matching parenthesis (strings blanked)
        my ($depth, $i, $len) = (0, $open, length $flat);
        for (; $i < $len; $i++) {
            my $ch = substr($flat, $i, 1);
            $depth++ if $ch eq "(";
            last if $ch eq ")" && --$depth == 0;
        }
        my $args = substr($t, $open + 1, $i - $open - 1);
        my $before = substr($t, 0, $start);
        next if $before =~ /(?:\b(?:void|int|static)|\*)\s*$/;   # a definition
        my $has_level = $args =~ /\b(?:APLOG|CLINIC_LOG)_(?!MARK\b)[A-Z]+\b/;
        my $has_lit = $args =~ /"/;
        next unless $logfn{$name} || ($has_level && $has_lit && $name !~ /^APLOG_/);
        next unless $logfn{$name} || $args =~ /\bAPLOG_MARK\b|,\s*(?:APLOG|CLINIC_LOG)_[A-Z]+/;
        my $where = "$file:" . lineof($t, $start);
        my ($fmt) = $args =~ /("(?:\\.|[^"\\])*")/;
        next if defined $fmt && $fmt =~ /^"CLINIC\d{4}: /;
        my $in = "";
        for my $d (@defs) { last if $d->[0] > $start; $in = $d->[1]; }
        if ((!defined $fmt || $fmt eq "\"%s\"") && $logfn{$in}) { next; }
        (my $call = "$name($args)") =~ s/\s+/ /g;
        push @bad, "$where: a log message without its CLINICnnnn tag: $call";
    }
}
my $fail = 0;
for my $b (@bad) { print STDERR "log-tags: $b\n"; $fail = 1; }
for my $tag (sort keys %uses) {
    next if @{$uses{$tag}} == 1;
    print STDERR "log-tags: $tag is used ", scalar @{$uses{$tag}}, " times: @{$uses{$tag}}\n";
    $fail = 1;
}
open my $u, ">", "'"$work"'/used" or die; print $u "$_\n" for sort keys %uses; close $u;
open my $m, ">", "'"$work"'/mentioned" or die;
print $m "$_ $mentioned{$_}\n" for sort keys %mentioned; close $m;
exit $fail;
' "${sources[@]}" || fail=1

# the documented tags: a line "| CLINICnnnn | level | meaning |" each
{ grep -oE '^\| CLINIC[0-9]{4} \|' "$doc" || true; } | grep -oE 'CLINIC[0-9]{4}' | sort > "$work/documented" || true
if [ -n "$(uniq -d "$work/documented")" ]; then
    echo "log-tags: $doc lists twice: $(uniq -d "$work/documented" | tr '\n' ' ')" >&2
    fail=1
fi
if ! diff -u --label "tags in the code" --label "$doc" "$work/used" \
        <(sort -u "$work/documented") >&2; then
    echo "log-tags: the code and $doc disagree (above: - only in the code, + only in the doc)" >&2
    fail=1
fi
# a tag named in a comment, a message, the README or a test must exist
while read -r tag where; do
    grep -qx "$tag" "$work/used" || { echo "log-tags: $where names $tag, which no message uses" >&2; fail=1; }
done < "$work/mentioned"
for f in "${refs[@]}"; do
    { grep -noE 'CLINIC[0-9]{4}' "$f" || true; } | while IFS=: read -r line tag; do
        grep -qx "$tag" "$work/used" || { echo "log-tags: $f:$line names $tag, which no message uses" >&2; echo x; }
    done
done > "$work/stale"
[ -s "$work/stale" ] && fail=1

[ "${fail:-0}" = 0 ] || exit 1
echo "log-tags: $(wc -l < "$work/used") tags, each used once, all in $doc"
