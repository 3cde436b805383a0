#!/usr/bin/env bash
# One name, one module (issue #16): lists the top-level type names (struct, class, enum, protocol,
# actor, typealias) that each Swift module under Sources/<layer>/ and drivers/ declares public,
# open, package or internal, and fails when two modules declare the same name. Internal names count
# too: an internal `ProxyMetrics` in one module and a public one in another are still two concepts
# under one name for the reader. Private and fileprivate declarations and nested types are not
# listed. Top level means the declaration starts in column 0, as everywhere in this tree.
#
# Usage: scripts/check-type-names.sh [--list] [ROOT]
#   --list  print every "Module Name" pair as well
#   ROOT    the repository (default: this script's parent folder)
# Exit: 0 when every name is exported once, 1 otherwise (each shared name printed with its modules).
set -euo pipefail

list=0
if [[ "${1:-}" == "--list" ]]; then list=1; shift; fi
root="${1:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"
cd "$root"

# Attributes (@frozen, @available(...)) and modifiers in any order, then the keyword and the name;
# a private or fileprivate modifier does not match, so those declarations are left out.
declaration='^(@[A-Za-z_]+(\([^)]*\))? +)*((public|open|package|internal|final|indirect|nonisolated) +)*(struct|class|enum|protocol|actor|typealias) +[A-Za-z_][A-Za-z0-9_]*'

pairs=$(
    for dir in Sources/*/*/ drivers/*/; do
        dir=${dir%/}
        module=$(basename "$dir")
        [[ $dir == drivers/* ]] && module="drivers/$module"
        find "$dir" -name '*.swift' -print0 \
            | { xargs -0 -r grep -hoE "$declaration" || true; } \
            | awk -v m="$module" '{ print m, $NF }' \
            | sort -u
    done
)

if (( list )); then printf '%s\n' "$pairs"; fi

shared=$(printf '%s\n' "$pairs" | awk 'NF == 2 { modules[$2] = modules[$2] " " $1; count[$2]++ }
    END { for (name in count) if (count[name] > 1) print name ":" modules[name] }' | sort)

if [[ -n "$shared" ]]; then
    echo "type names declared by more than one module:"
    printf '%s\n' "$shared" | sed 's/^/  /'
    exit 1
fi
echo "every type name is declared by one module ($(printf '%s\n' "$pairs" | awk 'NF == 2' | wc -l) names)"
