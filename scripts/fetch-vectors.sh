#!/usr/bin/env bash
# Fetches navec's Russian word vectors (news, 250K words, 300 dimensions, product-quantised;
# MIT licence) for the classifier's experiments: downloads the `natasha` wheel from PyPI with
# pip and extracts the vectors' tar into DIR (default: vectors/, ignored by git).
#
#   scripts/fetch-vectors.sh [DIR]
#
# Then: cargo run --release -p tsur-classify --example eval -- … --vectors DIR/navec_news_v1_1B_250K_300d_100q.tar
# (docs/classification.md, "Word vectors").
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DIR="${1:-$ROOT/vectors}"
NAME="navec_news_v1_1B_250K_300d_100q.tar"
SHA256="f07270833d78523edc5781538d67038e95b43975e4a7ae757c693b687f9cbfca"

mkdir -p "$DIR"
if [ -f "$DIR/$NAME" ] && echo "$SHA256  $DIR/$NAME" | sha256sum --check --status; then
    echo "Векторы уже на месте: $DIR/$NAME"
    exit 0
fi
WHEELS="$(mktemp -d)"
trap 'rm -rf "$WHEELS"' EXIT
echo "Скачиваю пакет natasha 1.6.0 с PyPI…"
python3 -m pip download --quiet --no-deps --only-binary=:all: --dest "$WHEELS" "natasha==1.6.0"
python3 - "$WHEELS"/natasha-*.whl "$DIR/$NAME" "$NAME" <<'PY'
import shutil, sys, zipfile
wheel, target, name = sys.argv[1:4]
with zipfile.ZipFile(wheel) as z, z.open("natasha/data/emb/" + name) as src, open(target, "wb") as dst:
    shutil.copyfileobj(src, dst)
PY
if ! echo "$SHA256  $DIR/$NAME" | sha256sum --check --status; then
    echo "Контрольная сумма $DIR/$NAME не совпадает с ожидаемой ($SHA256)" >&2
    exit 1
fi
echo "Готово: $DIR/$NAME"
