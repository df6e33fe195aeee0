#!/usr/bin/env python3
"""Golden inverse frequencies for RoPE types, written from Hugging Face's published formulas.

Independent of the Java code: numpy, float64, vectorised, one function per type transcribing
transformers' src/transformers/modeling_rope_utils.py (_compute_<type>_parameters). Hugging Face
computes in float32; these are the same formulas in float64, so the Java core must match them to
relative 1e-12. Run: python3 make_rope_golden.py  (writes the *.golden files next to this script).
"""
import math
import os

import numpy as np

D = 128
HF_FILE = "huggingface/transformers src/transformers/modeling_rope_utils.py"


def default_inv_freq(base, d):
    # inv_freq = 1 / base^(arange(0, d, 2) / d)
    return 1.0 / (base ** (np.arange(0, d, 2, dtype=np.float64) / d))


def dynamic(base, d, factor, max_pos, seq_len):
    # _compute_dynamic_ntk_parameters: seq_len = max(seq_len, max_position_embeddings);
    # base' = base * ((factor * seq_len / max_pos) - (factor - 1)) ** (d / (d - 2))
    seq_len = max(seq_len, max_pos)
    b = base * ((factor * seq_len / max_pos) - (factor - 1)) ** (d / (d - 2))
    return default_inv_freq(b, d), 1.0


def yarn(base, d, factor, original_max, beta_fast=32.0, beta_slow=1.0, truncate=True,
         attention_factor=None, mscale=None, mscale_all_dim=None):
    # _compute_yarn_parameters
    def get_mscale(scale, m=1.0):
        return 1.0 if scale <= 1 else 0.1 * m * math.log(scale) + 1.0

    if attention_factor is None:
        if mscale and mscale_all_dim:
            attention_factor = get_mscale(factor, mscale) / get_mscale(factor, mscale_all_dim)
        else:
            attention_factor = get_mscale(factor)

    def correction_dim(rot):
        return (d * math.log(original_max / (rot * 2 * math.pi))) / (2 * math.log(base))

    low, high = correction_dim(beta_fast), correction_dim(beta_slow)
    if truncate:
        low, high = math.floor(low), math.ceil(high)
    low, high = max(low, 0), min(high, d - 1)
    if low == high:
        high += 0.001
    ramp = np.clip((np.arange(d // 2, dtype=np.float64) - low) / (high - low), 0, 1)
    pos_freqs = base ** (np.arange(0, d, 2, dtype=np.float64) / d)
    extrapolation = 1.0 / pos_freqs
    interpolation = 1.0 / (factor * pos_freqs)
    extrapolation_factor = 1 - ramp
    inv = interpolation * (1 - extrapolation_factor) + extrapolation * extrapolation_factor
    return inv, attention_factor


def llama3(base, d, factor, low_freq_factor, high_freq_factor, original_max):
    # _compute_llama3_parameters
    inv = default_inv_freq(base, d)
    low_wavelen = original_max / low_freq_factor
    high_wavelen = original_max / high_freq_factor
    wavelen = 2 * math.pi / inv
    out = np.where(wavelen > low_wavelen, inv / factor, inv)
    smooth = (original_max / wavelen - low_freq_factor) / (high_freq_factor - low_freq_factor)
    smoothed = (1 - smooth) * out / factor + smooth * out
    medium = ~(wavelen < high_wavelen) & ~(wavelen > low_wavelen)
    return np.where(medium, smoothed, out), 1.0


def longrope(base, d, short_factor, long_factor, factor, original_max, seq_len):
    # _compute_longrope_parameters: long factors when seq_len > original_max_position_embeddings;
    # attention_factor = sqrt(1 + ln(factor) / ln(original_max)) for factor > 1
    ext = np.asarray(long_factor if seq_len > original_max else short_factor, dtype=np.float64)
    inv = 1.0 / (ext * base ** (np.arange(0, d, 2, dtype=np.float64) / d))
    att = 1.0 if factor <= 1 else math.sqrt(1 + math.log(factor) / math.log(original_max))
    return inv, att


def fmt_list(xs):
    return " ".join(repr(float(x)) for x in xs)


# Phi-3-style per-pair divisors, deterministic: short ones near 1, long ones growing with n.
SHORT = [1.0 + 0.01 * n for n in range(D // 2)]
LONG = [1.0 + 0.75 * n for n in range(D // 2)]

CASES = [
    ("yarn_llama2_x4", "_compute_yarn_parameters",
     "ramp over pair index from theta_n (below floor of d ln(L_orig/(2pi beta_fast))/(2 ln base)) to theta_n/factor"
     " (above ceil of the same at beta_slow); attention_factor = 0.1 ln(factor) + 1",
     dict(rope_type="yarn", base=10000.0, factor=4.0, original_max_position_embeddings=4096, beta_fast=32.0,
          beta_slow=1.0, seq_len=16384),
     lambda p: yarn(p["base"], D, p["factor"], p["original_max_position_embeddings"], p["beta_fast"], p["beta_slow"])),
    ("yarn_untruncated_mscale", "_compute_yarn_parameters",
     "as yarn_llama2_x4 but truncate=false (correction dims not rounded); attention_factor ="
     " (0.1 mscale ln f + 1) / (0.1 mscale_all_dim ln f + 1)",
     dict(rope_type="yarn", base=150000.0, factor=32.0, original_max_position_embeddings=4096, beta_fast=32.0,
          beta_slow=1.0, truncate="false", mscale=1.0, mscale_all_dim=0.707, seq_len=131072),
     lambda p: yarn(p["base"], D, p["factor"], p["original_max_position_embeddings"], p["beta_fast"], p["beta_slow"],
                    truncate=False, mscale=p["mscale"], mscale_all_dim=p["mscale_all_dim"])),
    ("llama3_31", "_compute_llama3_parameters",
     "wavelength 2pi/theta_n > L_orig/low_freq_factor: theta_n/factor; < L_orig/high_freq_factor: theta_n;"
     " between: (1-s) theta_n/factor + s theta_n, s = (L_orig/wavelength - low)/(high - low)",
     dict(rope_type="llama3", base=500000.0, factor=8.0, low_freq_factor=1.0, high_freq_factor=4.0,
          original_max_position_embeddings=8192, seq_len=131072),
     lambda p: llama3(p["base"], D, p["factor"], p["low_freq_factor"], p["high_freq_factor"],
                      p["original_max_position_embeddings"])),
    ("longrope_short", "_compute_longrope_parameters",
     "theta_n / short_factor[n] for seq_len <= L_orig; attention_factor = sqrt(1 + ln(factor)/ln(L_orig))",
     dict(rope_type="longrope", base=10000.0, factor=32.0, original_max_position_embeddings=4096, seq_len=4096),
     lambda p: longrope(p["base"], D, SHORT, LONG, p["factor"], p["original_max_position_embeddings"], p["seq_len"])),
    ("longrope_long", "_compute_longrope_parameters",
     "theta_n / long_factor[n] for seq_len > L_orig; attention_factor = sqrt(1 + ln(factor)/ln(L_orig))",
     dict(rope_type="longrope", base=10000.0, factor=32.0, original_max_position_embeddings=4096, seq_len=131072),
     lambda p: longrope(p["base"], D, SHORT, LONG, p["factor"], p["original_max_position_embeddings"], p["seq_len"])),
    ("dynamic_x4_at_16k", "_compute_dynamic_ntk_parameters",
     "default frequencies of base * (factor L/L_max - (factor-1))^(d/(d-2)) at L = seq_len > L_max",
     dict(rope_type="dynamic", base=10000.0, factor=4.0, original_max_position_embeddings=4096, seq_len=16384),
     lambda p: dynamic(p["base"], D, p["factor"], p["original_max_position_embeddings"], p["seq_len"])),
    ("dynamic_x4_within", "_compute_dynamic_ntk_parameters",
     "at seq_len <= L_max the base is unchanged (default frequencies)",
     dict(rope_type="dynamic", base=10000.0, factor=4.0, original_max_position_embeddings=4096, seq_len=2048),
     lambda p: dynamic(p["base"], D, p["factor"], p["original_max_position_embeddings"], p["seq_len"])),
]


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    for name, fn_name, formula, params, compute in CASES:
        inv, att = compute(params)
        assert inv.shape == (D // 2,)
        lines = [
            f"# golden inverse frequencies: {name}",
            f"# source: {HF_FILE}, function {fn_name} (Hugging Face's formula, float64 here, float32 there)",
            f"# formula: {formula}",
            "# generated by: make_rope_golden.py (numpy " + np.__version__ + "); do not edit by hand",
            "params " + " ".join(f"{k}={v}" for k, v in params.items()) + f" rotary_dim={D}",
        ]
        if params["rope_type"] == "longrope":
            lines.append("short_factor " + fmt_list(SHORT))
            lines.append("long_factor " + fmt_list(LONG))
        lines.append(f"attention_factor {att!r}")
        lines.append("inv_freq " + fmt_list(inv))
        with open(os.path.join(here, name + ".golden"), "w") as f:
            f.write("\n".join(lines) + "\n")
        print(name, "attention_factor", att, "inv_freq[0,32,63]", inv[0], inv[32], inv[63])


if __name__ == "__main__":
    main()
