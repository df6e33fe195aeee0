#!/usr/bin/env python3
"""Expected token ids for the Java tokenizer test (io.ropescale.model.BpeTokenizerTest), from
Hugging Face `tokenizers` built from the GGUF's own vocab and merges (bench/gguf_model.py).
Rerunnable; writes core/src/test/resources/model/tokenizer-fixture.json:

  bench/.venv/bin/python bench/tokenizer_fixture.py --gguf "$(bin/fetch-model)"
"""
import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gguf_model  # noqa: E402

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

TEXTS = [
    # prose
    "The quick brown fox jumps over the lazy dog. It wasn't me, they'd said; we'll see what's what.",
    "Scaling laws of RoPE-based extrapolation: the critical dimension d_extra = 2*ceil(d/2 * log_b(T/2pi)).",
    # code
    "def softmax(x):\n    m = x.max(axis=-1, keepdims=True)\n    e = np.exp(x - m)\n    return e / e.sum(-1)\n",
    "public static int[] encode(String text) {\n\tfor (int i = 0; i < n; i++) { a[i] += b[i] * 2; }\n\treturn a;\n}\n",
    "SELECT run_id, AVG(nll) AS mean_nll FROM model_token_stats WHERE t >= 4096 GROUP BY run_id;",
    # digits
    "In 2024, 1234567 tokens cost $89.99 (3.14159e-10 per token); call 555-0100 or +1 (800) 123-4567.",
    "0123456789 00 007 1,000,000 12.5% v1.2.3 x86_64 1e5 0x1F ²³ ½ ٣٤٥ ১২৩",
    # unicode and emoji
    "Grüße aus Köln! Ça va? Niño, façade, naïve, smörgåsbord. Здравствуй, мир. Γειά σου κόσμε.",
    "日本語のテキストと中文文本，还有한국어 텍스트. مرحبا بالعالم. שלום עולם. नमस्ते दुनिया",
    "Emoji: 😀🎉👍🏽 👨‍👩‍👧‍👦 🇫🇷 ❤️ and symbols ∑∫√∞ ≤ ≥ → ← ™ © ® € £ ¥",
    # whitespace runs
    "a  b   c    d\t\te\n\n\nf \n \n g\r\nh    \n    i\u00a0j\u2003k\u3000l   ",
    "   leading spaces and trailing   ",
    "\n\n\n\n",
    "",
    # special-token text is plain text (no special-token parsing)
    "<|im_start|>user\nhello<|im_end|>",
    # contractions and apostrophes in odd places
    "I'M HE'S 'quoted' rock'n'roll o'clock don't DON'T y'all'd've",
]

CORPUS_SLICES = [
    ("datasets/corpus/gnu-gpl-3.0.txt", 0, 4000),
    ("datasets/corpus/openjdk-17-Arrays.java.gz", 20000, 24000),
    ("datasets/corpus/python-3.11-pydoc-topics.py.gz", 50000, 54000),
]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--gguf", required=True)
    ap.add_argument("--out", default=os.path.join(ROOT, "core/src/test/resources/model/tokenizer-fixture.json"))
    a = ap.parse_args()
    tk = gguf_model.hf_tokenizer(gguf_model.open_gguf(a.gguf))
    cases = [{"name": f"text{i}", "text": t} for i, t in enumerate(TEXTS)]
    for path, start, end in CORPUS_SLICES:
        cases.append({"name": f"{path}[{start}:{end}]",
                      "text": gguf_model.read_text(os.path.join(ROOT, path))[start:end]})
    for c in cases:
        c["ids"] = tk.encode(c["text"]).ids
    import tokenizers
    doc = {"generator": f"bench/tokenizer_fixture.py (tokenizers {tokenizers.__version__})",
           "gguf": os.path.basename(a.gguf), "cases": cases}
    with open(a.out, "w", encoding="utf-8") as f:
        json.dump(doc, f, ensure_ascii=False, indent=1)
        f.write("\n")
    print(f"wrote {len(cases)} cases, {sum(len(c['ids']) for c in cases)} ids to {a.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
