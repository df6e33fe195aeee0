#!/usr/bin/env python3
"""Independent numpy reference of the llama forward pass over a GGUF (bench/.venv: numpy, gguf,
tokenizers, threadpoolctl).

Weights come from the `gguf` package's reader and dequantizers, tokens from Hugging Face
`tokenizers` built from the file's vocab and merges; no ropescale code is involved. RoPE rotates
the ADJACENT dims (2i, 2i+1) of each head by t * base^(-2i/d) (llama.cpp's permuted q/k rows);
--pairing half applies Hugging Face's rotate-half pairing (i, i+d/2) instead, to show it is wrong
on GGUF weights. Attention is the textbook one: the full n x n logits per head, masked, softmaxed.

  reference: per-token loss of the first N tokens of a text, written as the JSON fixture the Java
             test compares against (float64 by default):
     bench/.venv/bin/python bench/llama_numpy.py reference --gguf F --text datasets/corpus/gnu-gpl-3.0.txt \
         --tokens 1000 --out core/src/test/resources/model/forward-reference.json
  bench:     tokens/s of float32 forward passes at the given lengths (median of --reps), one JSON line
             per length:
     bench/.venv/bin/python bench/llama_numpy.py bench --gguf F --text T --lengths 1024,4096,8192 --reps 3
"""
import argparse
import importlib.metadata
import json
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gguf_model  # noqa: E402


class Llama:
    def __init__(self, reader, dtype):
        self.c = gguf_model.config(reader)
        self.dtype = dtype
        self.w = gguf_model.load_weights(reader, dtype)
        self.out = self.w.get("output.weight", self.w["token_embd.weight"])

    def rms(self, x, weight):
        ms = np.mean(x.astype(np.float64) ** 2, axis=-1, keepdims=True)
        return (x / np.sqrt(ms + self.c["eps"]).astype(self.dtype)) * weight

    def rope(self, x, cos, sin, pairing):
        # x: (n, heads, head_dim); cos/sin: (n, rotary_dim/2)
        half = cos.shape[1]
        if pairing == "adjacent":
            x0, x1 = x[..., 0:2 * half:2].copy(), x[..., 1:2 * half:2].copy()
        else:
            x0, x1 = x[..., :half].copy(), x[..., half:2 * half].copy()
        c, s = cos[:, None, :], sin[:, None, :]
        r0, r1 = x0 * c - x1 * s, x0 * s + x1 * c
        y = x.copy()
        if pairing == "adjacent":
            y[..., 0:2 * half:2], y[..., 1:2 * half:2] = r0, r1
        else:
            y[..., :half], y[..., half:2 * half] = r0, r1
        return y

    def nll(self, ids, pairing="adjacent", base=None):
        c, w, dt = self.c, self.w, self.dtype
        n, hd, H, G = len(ids), c["head_dim"], c["heads"], c["kv_heads"]
        group = H // G
        base = c["base"] if base is None else base
        inv = base ** (-np.arange(0, c["rotary_dim"], 2, dtype=np.float64) / c["rotary_dim"])
        ang = np.arange(n, dtype=np.float64)[:, None] * inv[None, :]
        cos, sin = np.cos(ang).astype(dt), np.sin(ang).astype(dt)
        mask = np.triu(np.full((n, n), -np.inf, dtype=dt), 1)
        scale = dt(1.0 / np.sqrt(hd))
        x = w["token_embd.weight"][np.asarray(ids)]
        for layer in range(c["layers"]):
            p = f"blk.{layer}."
            h = self.rms(x, w[p + "attn_norm.weight"])
            q = self.rope((h @ w[p + "attn_q.weight"].T).reshape(n, H, hd), cos, sin, pairing)
            k = self.rope((h @ w[p + "attn_k.weight"].T).reshape(n, G, hd), cos, sin, pairing)
            v = (h @ w[p + "attn_v.weight"].T).reshape(n, G, hd)
            o = np.empty((n, H, hd), dtype=dt)
            for head in range(H):
                g = head // group
                s = (q[:, head, :] @ k[:, g, :].T) * scale + mask
                s -= s.max(axis=1, keepdims=True)
                e = np.exp(s)
                o[:, head, :] = (e / e.sum(axis=1, keepdims=True)) @ v[:, g, :]
            x = x + o.reshape(n, H * hd) @ w[p + "attn_output.weight"].T
            h = self.rms(x, w[p + "ffn_norm.weight"])
            gate = h @ w[p + "ffn_gate.weight"].T
            up = h @ w[p + "ffn_up.weight"].T
            x = x + ((gate / (1 + np.exp(-gate))) * up) @ w[p + "ffn_down.weight"].T
        h = self.rms(x, w["output_norm.weight"])
        out = np.full(n, np.nan)
        for t0 in range(0, n - 1, 256):
            t1 = min(t0 + 256, n - 1)
            z = (h[t0:t1] @ self.out.T).astype(np.float64)
            m = z.max(axis=1, keepdims=True)
            lse = m[:, 0] + np.log(np.exp(z - m).sum(axis=1))
            out[t0 + 1:t1 + 1] = lse - z[np.arange(t1 - t0), np.asarray(ids[t0 + 1:t1 + 1])]
        return out


def flops(c, vocab, n):
    """Causal FLOPs (multiply-add = 2), the same count as LlamaForward.flops."""
    per_token = c["layers"] * c["width"] * (2 * c["heads"] * c["head_dim"] + 2 * c["kv_heads"] * c["head_dim"]
                                            + 3 * c["ffn"]) + vocab * c["width"]
    return 2 * per_token * n + 4.0 * c["layers"] * c["heads"] * c["head_dim"] * n * (n + 1) / 2


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("mode", choices=["reference", "bench"])
    ap.add_argument("--gguf", required=True)
    ap.add_argument("--text", required=True, help="corpus file (.txt, .gz or .zip)")
    ap.add_argument("--tokens", type=int, default=1000)
    ap.add_argument("--out")
    ap.add_argument("--dtype", choices=["float32", "float64"])
    ap.add_argument("--pairing", choices=["adjacent", "half"], default="adjacent")
    ap.add_argument("--lengths", default="1024,4096,8192")
    ap.add_argument("--reps", type=int, default=3)
    a = ap.parse_args()
    reader = gguf_model.open_gguf(a.gguf)
    tk = gguf_model.hf_tokenizer(reader)
    ids = tk.encode(gguf_model.read_text(a.text)).ids
    if a.mode == "reference":
        dt = np.float64 if (a.dtype or "float64") == "float64" else np.float32
        model = Llama(reader, dt)
        ids = ids[:a.tokens]
        if len(ids) < a.tokens:
            raise SystemExit(f"{a.text} has only {len(ids)} tokens")
        nll = model.nll(ids, a.pairing)
        doc = {
            "generator": "bench/llama_numpy.py reference (gguf " + importlib.metadata.version("gguf")
                         + ", numpy " + np.__version__ + ", " + np.dtype(dt).name + ")",
            "text": os.path.relpath(a.text, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")),
            "pairing": a.pairing,
            "tokens": len(ids),
            "ids": ids,
            "mean_nll": float(np.nanmean(nll)),
            "nll": [None if np.isnan(v) else round(float(v), 7) for v in nll],
        }
        text = json.dumps(doc, separators=(",", ":")) + "\n"
        if a.out:
            with open(a.out, "w") as f:
                f.write(text)
        print(f"reference: {len(ids)} tokens, pairing {a.pairing}, mean nll {doc['mean_nll']:.6f}", file=sys.stderr)
        return
    from threadpoolctl import threadpool_info
    dt = np.float64 if a.dtype == "float64" else np.float32
    model = Llama(reader, dt)
    vocab = model.out.shape[0]
    blas = [{k: i.get(k) for k in ("internal_api", "version", "architecture", "num_threads")}
            for i in threadpool_info() if i.get("user_api") == "blas"]
    for n in [int(s) for s in a.lengths.split(",")]:
        seq = (ids * (n // max(len(ids), 1) + 1))[:n]
        times = []
        for _ in range(a.reps):
            t = time.perf_counter()
            model.nll(seq)
            times.append(time.perf_counter() - t)
        med = float(np.median(times))
        print(json.dumps({"engine": "numpy", "tokens": n, "median_s": round(med, 3),
                          "times_s": [round(x, 3) for x in times], "tokens_per_s": round(n / med, 1),
                          "gflops": round(flops(model.c, vocab, n) / med / 1e9, 1), "blas": blas}), flush=True)


if __name__ == "__main__":
    main()
