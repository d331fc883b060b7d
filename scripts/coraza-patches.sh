#!/usr/bin/env bash
# coraza-patches.sh keeps third_party/coraza as what it is: Coraza as the Go module proxy
# publishes it (less .github/ and go.work), plus the patch series of
# third_party/coraza-patches, applied in the order of their names. BASE there names the
# release and its module hash. The Makefile's coraza-* targets call it; SIDEWALL.md in
# third_party/coraza says when to use which.
#
#   verify            rebuild the tree from the module cache and the series, fail on any
#                     difference from third_party/coraza (SIDEWALL.md aside); check the
#                     patches' headers
#   patch NAME [MSG]  write the next patch, NNNN-NAME.patch, from what third_party/coraza
#                     holds beyond the series; MSG is a file with its header (else a
#                     template to fill in)
#   tree              rewrite third_party/coraza from the module and the series (after
#                     editing a patch file by hand)
#   repo DIR          make DIR a git repository of the module (tag "base") and one commit
#                     per patch: to fold a fixup into its patch, reword or reorder
#   export DIR        write the series, the tree and BASE back from such a repository
#   update VERSION    apply the series to another release; report each patch that no
#                     longer applies or that upstream already has
#
# Only git and go are needed; the module comes from the module cache (`go mod download`
# fetches it once through the proxy).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
TREE=third_party/coraza
SERIES=third_party/coraza-patches
GO=${GO:-go}
# The temporary repositories commit as the developer (a new patch's author), or as
# "sidewall" where git knows no one (CI); no user configuration (hooks, templates) applies.
name=$(git config user.name 2>/dev/null || echo sidewall)
email=$(git config user.email 2>/dev/null || echo sidewall@localhost)
export GIT_AUTHOR_NAME=${GIT_AUTHOR_NAME:-$name} GIT_AUTHOR_EMAIL=${GIT_AUTHOR_EMAIL:-$email}
export GIT_COMMITTER_NAME=${GIT_COMMITTER_NAME:-$name} GIT_COMMITTER_EMAIL=${GIT_COMMITTER_EMAIL:-$email}
export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null

die() { echo "coraza: $*" >&2; exit 1; }

# scratch makes a temporary directory, removed at exit.
temps=()
trap 'rm -rf "${temps[@]}"' EXIT
scratch() {
	WORK=$(mktemp -d)
	temps+=("$WORK")
}

# base reads BASE: "module version h1:hash".
base() {
	read -r MODULE VERSION SUM < <(grep -v '^#' "$SERIES/BASE" | grep .) || die "$SERIES/BASE names no module"
}

# fetch VERSION prints the module cache directory of $MODULE@VERSION and sets FETCHED_SUM.
fetch() {
	local json
	json=$(cd "$root" && $GO mod download -json "$MODULE@$1") || die "go mod download $MODULE@$1 failed: $json"
	FETCHED_DIR=$(sed -n 's/^\t"Dir": "\(.*\)",\{0,1\}$/\1/p' <<<"$json")
	FETCHED_SUM=$(sed -n 's/^\t"Sum": "\(.*\)",\{0,1\}$/\1/p' <<<"$json")
	[ -d "$FETCHED_DIR" ] || die "go mod download $MODULE@$1 gave no directory: $json"
}

# published DIR VERSION fills DIR (a git repository's work tree) with the module as
# published, less .github/ and go.work, and commits it.
published() {
	fetch "$2"
	cp -R "$FETCHED_DIR/." "$1/"
	chmod -R u+w "$1"
	rm -rf "$1/.github" "$1/go.work"
	# -f: the module's own .gitignore must not keep a published file out.
	git -C "$1" add -A -f
	git -C "$1" commit -q --no-verify -m "coraza $2 as published"
}

# patches lists the series in order.
patches() { find "$SERIES" -maxdepth 1 -name '[0-9][0-9][0-9][0-9]-*.patch' | LC_ALL=C sort; }

# build DIR makes DIR a repository of the module at BASE (tag base) and one commit per
# patch. A patch that does not apply is fatal: the series is broken.
build() {
	base
	mkdir -p "$1"
	git -C "$1" init -q
	published "$1" "$VERSION"
	[ "$FETCHED_SUM" = "$SUM" ] || die "$MODULE@$VERSION has hash $FETCHED_SUM, BASE says $SUM"
	git -C "$1" tag base
	git -C "$1" config sidewall.base "$MODULE $VERSION $SUM"
	local p
	for p in $(patches); do
		if ! git -C "$1" am -q --keep-cr --committer-date-is-author-date "$root/$p" >/dev/null 2>&1; then
			git -C "$1" am --abort >/dev/null 2>&1 || true
			die "$p does not apply to $MODULE@$VERSION and the patches before it"
		fi
	done
}

# header FILE prints a patch's header: everything before the diff.
header() { sed -n '/^---$/q;/^diff --git /q;p' "$1"; }

# checkheaders: every patch says what it measured and which test guards it, has no TODO
# left, and has an item in SIDEWALL.md.
checkheaders() {
	local p name bad=0
	for p in $(patches); do
		name=$(basename "$p")
		if ! header "$p" | grep -q '^Measured' || ! header "$p" | grep -q '^Guarded by:'; then
			echo "coraza: $p: the header needs a 'Measured:' and a 'Guarded by:' paragraph" >&2; bad=1
		fi
		if header "$p" | grep -q 'TODO'; then
			echo "coraza: $p: the header still has a TODO" >&2; bad=1
		fi
		if ! grep -qF "$name" "$TREE/SIDEWALL.md"; then
			echo "coraza: $p: no item of $TREE/SIDEWALL.md names it" >&2; bad=1
		fi
	done
	return $bad
}

# sync DIR replaces DIR's work tree (not .git) with third_party/coraza, SIDEWALL.md aside,
# and stages it.
sync() {
	find "$1" -mindepth 1 -maxdepth 1 ! -name .git -exec rm -rf {} +
	cp -R "$TREE/." "$1/"
	rm -f "$1/SIDEWALL.md"
	git -C "$1" add -A -f
}

# writetree DIR rewrites third_party/coraza from DIR's HEAD, keeping SIDEWALL.md.
writetree() {
	find "$TREE" -mindepth 1 -maxdepth 1 ! -name SIDEWALL.md -exec rm -rf {} +
	git -C "$1" archive HEAD | tar -x -C "$TREE"
}

# quick DIR puts the module and the series in DIR without git history: what verify needs,
# in a second or two. git apply takes the whole series at once (a file patched twice gets
# its second patch on the result of its first); only when that fails are the patches
# applied one by one, to name the one that does not apply.
quick() {
	base
	fetch "$VERSION"
	[ "$FETCHED_SUM" = "$SUM" ] || die "$MODULE@$VERSION has hash $FETCHED_SUM, BASE says $SUM"
	mkdir -p "$1"
	cp -R "$FETCHED_DIR/." "$1/"
	chmod -R u+w "$1"
	rm -rf "$1/.github" "$1/go.work"
	local all=() p
	for p in $(patches); do all+=("$root/$p"); done
	[ ${#all[@]} -gt 0 ] || return 0
	# The ceiling keeps git apply from taking a repository above DIR for its own.
	if ! (cd "$1" && GIT_CEILING_DIRECTORIES=$(dirname "$1") git apply "${all[@]}" 2>/dev/null); then
		for p in "${all[@]}"; do
			(cd "$1" && GIT_CEILING_DIRECTORIES=$(dirname "$1") git apply "$p") ||
				die "${p#"$root/"} does not apply to $MODULE@$VERSION and the patches before it"
		done
	fi
}

verify() {
	scratch
	local work=$WORK ok=0
	quick "$work/cz"
	checkheaders || ok=1
	local diffs
	diffs=$(diff -r -q -x SIDEWALL.md "$work/cz" "$TREE" | sed -e "s#$work/cz#(module + series)#g") || true
	if [ -n "$diffs" ]; then
		echo "coraza: $TREE is not $MODULE@$VERSION with the series of $SERIES:" >&2
		sed 's/^/  /' <<<"$diffs" >&2
		cat >&2 <<EOF
coraza: a change to the tree is a patch. Either
  make coraza-patch NAME=short-name    writes the difference as the next patch, or
  make coraza-repo DIR=/tmp/cz         to fold it into the patch it fixes (SIDEWALL.md, "Changing a patch");
  if you edited a patch file instead: make coraza-tree rewrites the tree from the series.
EOF
		ok=1
	fi
	[ $ok = 0 ] || exit 1
	echo "coraza: $TREE is $MODULE@$VERSION with the $(patches | wc -l) patches of $SERIES"
}

newpatch() {
	local name=${1:-} msg=${2:-}
	[[ "$name" =~ ^[a-z0-9][a-z0-9-]*$ ]] || die "patch: NAME must be lower-case words joined by '-', e.g. NAME=xml-depth-limit"
	[ -z "$msg" ] || [ -f "$msg" ] || die "patch: MSG=$msg is not a file"
	scratch
	local work=$WORK
	build "$work/cz"
	sync "$work/cz"
	git -C "$work/cz" diff --cached --quiet && die "patch: $TREE holds nothing beyond the series"
	if [ -n "$msg" ]; then
		git -C "$work/cz" commit -q --no-verify -F "$root/$msg"
	else
		git -C "$work/cz" commit -q --no-verify -F - <<EOF
TODO(package): what the patch changes, in one line

TODO: what it changes, and why: what upstream did and what it cost.

Measured: TODO (sidewall's waf benchmarks, cpu-ns and allocations per request,
interleaved with the build before; CRS verdicts byte-identical:
go test ./waf -run 'TestCRS\$' -crs.dump before and after).

Guarded by: TODO TestName (internal/package).
EOF
	fi
	local last n file
	last=$(patches | tail -n1 | xargs -r basename | cut -c1-4)
	n=$(printf '%04d' $((10#${last:-0} + 1)))
	file="$SERIES/$n-$name.patch"
	git -C "$work/cz" format-patch -1 --zero-commit --no-signature -N --stdout HEAD >"$file"
	echo "coraza: wrote $file ($(git -C "$work/cz" diff --stat HEAD^ HEAD | tail -n1 | sed 's/^ *//'))"
	if [ -z "$msg" ]; then
		echo "coraza: now write its header (what, why, Measured:, Guarded by:) and an item of $TREE/SIDEWALL.md naming it; make coraza-verify fails until both are done"
	else
		echo "coraza: add an item of $TREE/SIDEWALL.md naming it"
	fi
}

tree() {
	scratch
	local work=$WORK
	build "$work/cz"
	writetree "$work/cz"
	echo "coraza: rewrote $TREE from $MODULE@$VERSION and $(patches | wc -l) patches"
}

repo() {
	local dir=${1:-}
	[ -n "$dir" ] || die "repo: DIR=... is required"
	[ ! -e "$dir" ] || die "repo: $dir exists"
	build "$dir"
	cat <<EOF
coraza: $dir holds $MODULE@$VERSION (tag base) and one commit per patch. For example:
  cd $dir
  (edit; or copy a file from $root/$TREE)
  git commit -a --fixup=<the commit of the patch it fixes>
  git rebase -i --autosquash base
  make -C $root coraza-export DIR=$dir
EOF
}

# slug makes a patch name from a subject.
slug() {
	sed -e 's/^[a-z]*([^)]*): //' -e 's/^[a-z]*: //' <<<"$1" | tr 'A-Z' 'a-z' | tr -c 'a-z0-9\n' '-' |
		sed -e 's/--*/-/g' -e 's/^-//' -e 's/-$//' | cut -c1-48 | sed 's/-$//'
}

export_() {
	local dir=${1:-}
	[ -n "$dir" ] || die "export: DIR=... is required"
	git -C "$dir" rev-parse -q --verify base >/dev/null || die "export: $dir has no tag base (make coraza-repo makes one)"
	local baseline
	baseline=$(git -C "$dir" config sidewall.base) || die "export: $dir does not say its module (git config sidewall.base)"
	[ -z "$(git -C "$dir" status --porcelain)" ] || die "export: $dir has uncommitted changes"
	# A patch keeps its file name while its subject stays; new ones are numbered after the last.
	declare -A names=()
	local p s
	for p in $(patches); do
		s=$(git mailinfo /dev/null /dev/null <"$p" | sed -n 's/^Subject: //p')
		names[$s]=$(basename "$p")
	done
	local max=0 c name n out=() prev=""
	for p in $(patches); do
		n=$(basename "$p" | cut -c1-4)
		max=$((10#$n > max ? 10#$n : max))
	done
	for c in $(git -C "$dir" rev-list --reverse base..HEAD); do
		s=$(git -C "$dir" log -1 --format=%s "$c")
		name=${names[$s]:-}
		if [ -z "$name" ]; then
			# After the last patch: a new one in the middle is named by hand.
			max=$((max + 1))
			name=$(printf '%04d-%s.patch' "$max" "$(slug "$s")")
		fi
		if [ -n "$prev" ] && [[ ! "$name" > "$prev" ]]; then
			die "export: \"$s\" ($name) comes after $prev: the names must sort in the order of the series; rename the files by hand"
		fi
		prev=$name
		out+=("$c:$name")
	done
	rm -f "$SERIES"/[0-9][0-9][0-9][0-9]-*.patch
	local e
	for e in "${out[@]}"; do
		git -C "$dir" format-patch -1 --zero-commit --no-signature -N --stdout "${e%%:*}" >"$SERIES/${e#*:}"
	done
	{ grep '^#' "$SERIES/BASE" || true; echo "$baseline"; } >"$SERIES/BASE.new"
	mv "$SERIES/BASE.new" "$SERIES/BASE"
	writetree "$dir"
	echo "coraza: wrote ${#out[@]} patches, $SERIES/BASE ($baseline) and $TREE"
	verify
}

update() {
	local to=${1:-}
	[[ "$to" =~ ^v[0-9]+\.[0-9]+\.[0-9]+ ]] || die "update: VERSION=v3.x.y is required"
	local work
	work=$(mktemp -d)
	build "$work/cz"
	local from=$VERSION
	git -C "$work/cz" tag old-base base
	git -C "$work/cz" branch -q old
	git -C "$work/cz" checkout -q --orphan new
	git -C "$work/cz" rm -rfq .
	published "$work/cz" "$to"
	git -C "$work/cz" tag -f base >/dev/null
	git -C "$work/cz" config sidewall.base "$MODULE $to $FETCHED_SUM"
	local c s failed=() upstream=() applied=0
	for c in $(git -C "$work/cz" rev-list --reverse old-base..old); do
		s=$(git -C "$work/cz" log -1 --format=%s "$c")
		if ! git -C "$work/cz" cherry-pick --keep-redundant-commits "$c" >/dev/null 2>&1; then
			git -C "$work/cz" cherry-pick --abort >/dev/null 2>&1 || true
			failed+=("$c $s")
			continue
		fi
		if git -C "$work/cz" diff --quiet HEAD^ HEAD; then
			git -C "$work/cz" reset -q --hard HEAD^
			upstream+=("$s")
			continue
		fi
		applied=$((applied + 1))
	done
	echo "coraza: $MODULE $from -> $to: $applied patches apply"
	local f
	for f in "${upstream[@]}"; do echo "  upstream has it (drop it: SIDEWALL.md, \"Dropping a patch\"): $f"; done
	for f in "${failed[@]}"; do echo "  does not apply: ${f#* }"; done
	if [ ${#failed[@]} -gt 0 ]; then
		cat <<EOF
coraza: nothing was written. $work/cz has branch "new": $to (tag base) and the patches
that applied; branch "old" is the series on $from. For each patch that does not apply, in
order (a patch may fail only because one before it did):
  cd $work/cz && git cherry-pick <commit of old>    resolve, then git cherry-pick --continue
  (or leave it out, if upstream fixed the same thing another way)
then, in order:  make coraza-export DIR=$work/cz
EOF
		for f in "${failed[@]}"; do echo "  ${f%% *}  ${f#* }"; done
		exit 1
	fi
	export_ "$work/cz"
	(cd "$root" && $GO mod edit -require="$MODULE@$to")
	rm -rf "$work"
	cat <<EOF
coraza: now: go mod tidy (Coraza's own requirements may have moved), make test, and compare
  go test ./waf -run 'TestCRS\$' -crs.dump   before and after (the verdicts must not change)
EOF
}

case "${1:-}" in
verify) verify ;;
patch) newpatch "${2:-}" "${3:-}" ;;
tree) tree ;;
repo) repo "${2:-}" ;;
export) export_ "${2:-}" ;;
update) update "${2:-}" ;;
*) sed -n '2,20p' "$0" >&2; exit 2 ;;
esac
