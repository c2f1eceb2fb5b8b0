#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# tests/check-layers.sh: the layers stay apart (docs/architecture.md).
#
#   core/     includes no httpd header (the build compiles it without
#             httpd's include path; this says which file and line)
#   ctl/      clinicctl: no httpd header either
#   modules/  the glue; the only place httpd is named
#
# It fails on a core or clinicctl file that includes an httpd header, on a
# function longer than MAX_FUNC lines, or on a circle between files
# (file A calls into B, which calls back into A, directly or round
# others), found from the built objects' symbols: pass OBJS (the module's
# and the core's .o files) to check the circles, else they are skipped.
# It prints the figures the closing notes report: the share of pure lines,
# the files that include httpd headers, the circles, the longest function.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

MAX_FUNC=${MAX_FUNC:-80}
HTTPD_HDR='^[[:space:]]*#[[:space:]]*include[[:space:]]*<(httpd|http_[a-z_]*|ap_[a-z_]*|mod_[a-z_]*|util_[a-z_]*|apr_optional_hooks)\.h>'
fail=0

leaks=$(grep -nE "$HTTPD_HDR" core/*.c core/*.h ctl/*.c ctl/*.h || true)
if [ -n "$leaks" ]; then
    echo "layers: the core and clinicctl include no httpd header; these do:" >&2
    echo "$leaks" >&2
    fail=1
fi

lines() { cat "$@" | wc -l; }
core_lines=$(lines core/*.c)
glue_lines=$(lines mod_clinic.c modules/*.c)
with_httpd=$(grep -lE "$HTTPD_HDR" mod_clinic.c modules/*.c modules/*.h core/* ctl/* | wc -l)
all_files=$(ls mod_clinic.c modules/*.[ch] core/*.[ch] ctl/*.[ch] | wc -l)
echo "layers: pure lines $core_lines of $((core_lines + glue_lines))" \
     "($((100 * core_lines / (core_lines + glue_lines)))%);" \
     "$with_httpd of $all_files files include an httpd header"

# functions: from a line starting a definition at column 0 to its
# closing brace at column 0
perl -e '
my ($max, $limit, @over) = (0, $ARGV[0]);
my $where = "";
for my $f (@ARGV[1 .. $#ARGV]) {
    open my $fh, "<", $f or die "$f: $!";
    my ($start, $name, $n) = (0, "", 0);
    while (my $l = <$fh>) {
        $n++;
        if (!$start && $l =~ /^\{\s*$/) { $start = $n; }
        elsif (!$start && $l =~ /^[A-Za-z_].*\b([A-Za-z_]\w*)\s*\(/) { $name = $1; }
        elsif ($start && $l =~ /^\}/) {
            my $len = $n - $start + 1;
            if ($len > $max) { ($max, $where) = ($len, "$f: $name"); }
            push @over, "$f: $name ($len lines)" if $len > $limit;
            $start = 0;
        }
    }
}
print "layers: the longest function is $where, $max lines\n";
if (@over) {
    print STDERR "layers: functions over $limit lines:\n", map("  $_\n", @over);
    exit 1;
}
' "$MAX_FUNC" mod_clinic.c modules/*.c core/*.c ctl/*.c || fail=1

# circles between files, from the objects: an edge A -> B when A uses a
# symbol B defines; a strongly connected set of more than one file is a
# circle
if [ -n "${OBJS:-}" ]; then
    # shellcheck disable=SC2086
    circles=$(for o in $OBJS; do
                  f=$(basename "$o" .o)
                  nm "$o" | awk -v f="$f" '$2 ~ /^[TDRB]$/ { print "D", f, $3 }
                                            $1 == "U" { print "U", f, $2 }'
              done | perl -e '
my (%def, @use, %edge);
while (<STDIN>) {
    my ($k, $f, $s) = split;
    # the module record: every glue file names it (its configuration,
    # its log index), as in every httpd module; not a walk back up
    next if $s eq "clinic_module";
    if ($k eq "D") { $def{$s} = $f } else { push @use, [$f, $s] }
}
for (@use) {
    my ($f, $s) = @$_;
    my $t = $def{$s};
    $edge{$f}{$t} = 1 if defined $t && $t ne $f;
}
# Tarjan
my ($i, @stack, %on, %idx, %low, @sccs) = (0);
sub visit {
    my $v = shift;
    $idx{$v} = $low{$v} = $i++;
    push @stack, $v; $on{$v} = 1;
    for my $w (sort keys %{ $edge{$v} || {} }) {
        if (!exists $idx{$w}) { visit($w); $low{$v} = $low{$w} if $low{$w} < $low{$v}; }
        elsif ($on{$w}) { $low{$v} = $idx{$w} if $idx{$w} < $low{$v}; }
    }
    if ($low{$v} == $idx{$v}) {
        my @c;
        while (1) { my $w = pop @stack; $on{$w} = 0; push @c, $w; last if $w eq $v; }
        push @sccs, join(" ", sort @c) if @c > 1;
    }
}
my %all = map { $_ => 1 } (keys %edge, map { keys %$_ } values %edge);
visit($_) for grep { !exists $idx{$_} } sort keys %all;
print "$_\n" for @sccs;
')
    if [ -n "$circles" ]; then
        echo "layers: circles between files (each line one):" >&2
        echo "$circles" | sed 's/^/  /' >&2
        [ -n "${LAYERS_CIRCLES_OK:-}" ] || fail=1
    else
        echo "layers: no circles between files"
    fi
fi
exit $fail
