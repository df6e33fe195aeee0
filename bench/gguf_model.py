"""Reads a llama GGUF through the `gguf` PyPI package (its own reader and numpy dequantizers) and
builds the Hugging Face `tokenizers` tokenizer from the file's vocabulary and merges.

Shared by bench/llama_numpy.py (the independent forward-pass reference) and
bench/tokenizer_fixture.py (expected token ids for the Java tokenizer test). Nothing here uses
ropescale's Java code.
"""
import gzip
import zipfile

import numpy as np
from gguf import GGUFReader, quants


def open_gguf(path):
    return GGUFReader(path)


def field(reader, key, default=None):
    f = reader.fields.get(key)
    return default if f is None else f.contents()


def hf_tokenizer(reader):
    """tokenizers.Tokenizer: byte-level BPE, pre-tokenizer smollm = Digits(individual) + ByteLevel."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers

    tokens = field(reader, "tokenizer.ggml.tokens")
    merges = [tuple(m.split(" ", 1)) for m in field(reader, "tokenizer.ggml.merges")]
    vocab = {}
    for i, t in enumerate(tokens):
        vocab.setdefault(t, i)
    tk = Tokenizer(models.BPE(vocab=vocab, merges=merges))
    pre = field(reader, "tokenizer.ggml.pre", "gpt-2")
    byte_level = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
    if pre == "smollm":
        tk.pre_tokenizer = pre_tokenizers.Sequence(
            [pre_tokenizers.Digits(individual_digits=True), byte_level])
    elif pre in ("gpt-2", "default"):
        tk.pre_tokenizer = byte_level
    else:
        raise SystemExit(f"unsupported tokenizer.ggml.pre {pre}")
    tk.decoder = decoders.ByteLevel()
    return tk


def read_text(path):
    """A corpus file as text: plain, .gz, or the first member of a .zip."""
    if path.endswith(".gz"):
        with gzip.open(path, "rb") as f:
            data = f.read()
    elif path.endswith(".zip"):
        with zipfile.ZipFile(path) as z:
            data = z.read(sorted(n for n in z.namelist() if not n.endswith("/"))[0])
    else:
        with open(path, "rb") as f:
            data = f.read()
    return data.decode("utf-8", errors="replace")


def load_weights(reader, dtype=np.float32):
    """Every tensor dequantized by gguf.quants.dequantize, in numpy order [out][in]."""
    w = {}
    for t in reader.tensors:
        w[t.name] = np.ascontiguousarray(quants.dequantize(t.data, t.tensor_type), dtype=dtype)
    return w


def config(reader):
    heads = int(field(reader, "llama.attention.head_count"))
    width = int(field(reader, "llama.embedding_length"))
    head_dim = int(field(reader, "llama.attention.key_length", width // heads))
    return dict(
        layers=int(field(reader, "llama.block_count")),
        width=width,
        heads=heads,
        kv_heads=int(field(reader, "llama.attention.head_count_kv", heads)),
        head_dim=head_dim,
        ffn=int(field(reader, "llama.feed_forward_length")),
        eps=float(field(reader, "llama.attention.layer_norm_rms_epsilon")),
        base=float(field(reader, "llama.rope.freq_base", 10000.0)),
        rotary_dim=int(field(reader, "llama.rope.dimension_count", head_dim)),
        context=int(field(reader, "llama.context_length")),
    )
