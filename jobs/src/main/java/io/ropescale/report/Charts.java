package io.ropescale.report;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ropescale.jobs.TableDocs;

/**
 * The dashboard's Vega-Lite specs. They are static: data comes in as named datasets
 * ({@code data: {name: ...}}; a table's rows under the table's registry name) that the page
 * supplies from its embedded JSON, and the only values set from data (select options, the engine
 * shown) are JSON values, never spliced into expressions.
 */
final class Charts {
  private Charts() {}

  static final String FONT = "DejaVu Sans, Helvetica Neue, Arial, sans-serif";

  /** Shared look: readable fonts, light grid. */
  static final String CONFIG = """
      {"font": "%s", "view": {"stroke": "#ddd"},
       "title": {"fontSize": 15, "subtitleFontSize": 12, "subtitleColor": "#555", "anchor": "start", "offset": 12},
       "axis": {"labelFontSize": 11, "titleFontSize": 12, "gridColor": "#eee", "titleFontWeight": "normal"},
       "legend": {"labelFontSize": 11, "titleFontSize": 12, "labelLimit": 260, "orient": "right"},
       "range": {"category": ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#7f7f7f", "#bcbd22"]}}
      """.formatted(FONT);

  static final String LOOKUP_CONFIG = """
      {"lookup": "config_id", "from": {"data": {"name": "configs"}, "key": "config_id",
        "fields": ["series", "order", "base_label"]}}""";

  /** attention_profile has no base column: the lookup brings it. */
  static final String LOOKUP_CONFIG_BASE = """
      {"lookup": "config_id", "from": {"data": {"name": "configs"}, "key": "config_id",
        "fields": ["series", "order", "base"]}}""";

  static final String EXTRAPOLATION = """
      {"width": 760, "height": 400,
       "title": {"text": "Extrapolation bound vs tuning base (log-log)",
         "subtitle": ["Liu et al. (ICLR 2024): above the critical base b₀ (Theorem 3) the bound is T_extra = 2π·b^(d_extra/d) (Theorem 2);",
                      "at or below b₀ it is the tuning length T_tune, and for b ≤ b₃ = T_tune/2π extrapolation is unbounded in theory.",
                      "Vertical rules: b₀ and the smaller-base thresholds b₁ = 2T/π, b₂ = T/π, b₃ = T/2π of each series."]},
       "layer": [
        {"data": {"name": "thresholds"},
         "mark": {"type": "rule", "strokeWidth": 1.3, "opacity": 0.75},
         "encoding": {
           "x": {"field": "value", "type": "quantitative", "scale": {"type": "log"}},
           "color": {"field": "series", "type": "nominal", "title": "series"},
           "strokeDash": {"field": "kind_label", "type": "nominal", "title": "threshold",
             "scale": {"domain": ["b₀ critical base (Thm 3)", "b₁ = 2T/π (¼ period)", "b₂ = T/π (½ period)", "b₃ = T/2π (full period)"],
                       "range": [[8, 3], [3, 3], [1, 3], [1, 1]]}},
           "tooltip": [{"field": "series"}, {"field": "kind_label", "title": "threshold"},
                       {"field": "value", "type": "quantitative", "format": ",.2f", "title": "base"}]}},
        {"data": {"name": "thresholds"},
         "mark": {"type": "text", "fontSize": 10, "dx": 3, "align": "left", "baseline": "top"},
         "encoding": {
           "x": {"field": "value", "type": "quantitative"},
           "y": {"field": "label_y", "type": "quantitative", "scale": null},
           "text": {"field": "label"},
           "color": {"field": "series", "type": "nominal"}}},
        {"data": {"name": "%2$s"},
         "transform": [%1$s],
         "mark": {"type": "line", "strokeWidth": 1.5, "opacity": 0.6},
         "encoding": {
           "x": {"field": "effective_base", "type": "quantitative", "scale": {"type": "log"},
                 "title": "tuning base b (effective base for ntk/dynamic)", "axis": {"format": "~s"}},
           "y": {"field": "extrapolation_bound", "type": "quantitative", "scale": {"type": "log"},
                 "title": "extrapolation bound T_extra (tokens)", "axis": {"format": "~s"}},
           "color": {"field": "series", "type": "nominal"},
           "detail": {"field": "series"},
           "order": {"field": "effective_base", "type": "quantitative"}}},
        {"data": {"name": "%2$s"},
         "transform": [%1$s,
           {"calculate": "datum.unbounded ? 'smaller-base, b ≤ b₃ (unbounded in theory)' : datum.regime == 'larger-base' ? 'larger-base (b > b₀)' : 'smaller-base (b₃ < b ≤ b₀)'", "as": "regime_label"}],
         "mark": {"type": "point", "filled": true, "size": 85, "opacity": 0.95},
         "encoding": {
           "x": {"field": "effective_base", "type": "quantitative"},
           "y": {"field": "extrapolation_bound", "type": "quantitative"},
           "color": {"field": "series", "type": "nominal"},
           "shape": {"field": "regime_label", "type": "nominal", "title": "regime",
             "scale": {"domain": ["larger-base (b > b₀)", "smaller-base (b₃ < b ≤ b₀)", "smaller-base, b ≤ b₃ (unbounded in theory)"],
                       "range": ["circle", "triangle-down", "diamond"]}},
           "tooltip": [{"field": "config_id", "title": "configuration"}, {"field": "base", "type": "quantitative", "format": ",", "title": "base b"},
             {"field": "effective_base", "type": "quantitative", "format": ",.1f", "title": "effective base"},
             {"field": "regime"}, {"field": "extrapolation_bound", "type": "quantitative", "format": ",.1f", "title": "T_extra (tokens)"},
             {"field": "angle_coverage_bound", "type": "quantitative", "format": ",.1f", "title": "angle-coverage bound (tokens)"},
             {"field": "critical_dim", "title": "d_extra"}, {"field": "critical_dim_tuned", "title": "critical dim in force"},
             {"field": "critical_base", "type": "quantitative", "format": ",.2f", "title": "b₀"}]}}
       ],
       "resolve": {"scale": {"color": "shared"}}}
      """.formatted(LOOKUP_CONFIG, TableDocs.ROPE_BOUNDS.name());

  static final String CRITICAL_DIM = """
      {"width": 640, "height": {"step": 10},
       "title": {"text": "Critical dimension per configuration",
         "subtitle": ["d_extra = 2⌈(d/2)·log_{b_pre}(T_train/2π)⌉ (Liu et al., Lemma 1): pairs below it saw full periods in pre-training;",
                      "in force after tuning: d_extra when b > b₀ (Theorem 2), else d'_extra = 2⌈(d/2)·log_b(T_tune/2π)⌉ (§3.3). Tick: the rotary dimension d."]},
       "data": {"name": "%2$s"},
       "transform": [%1$s,
         {"fold": ["critical_dim", "critical_dim_tuned"], "as": ["measure", "dims"]},
         {"calculate": "datum.measure == 'critical_dim' ? 'd_extra (pre-training, Lemma 1)' : 'in force after tuning (Theorem 2; d′_extra when b ≤ b₀)'", "as": "measure_label"}],
       "layer": [
        {"mark": {"type": "bar", "height": {"band": 0.9}},
         "encoding": {
           "y": {"field": "config_id", "type": "nominal", "title": null, "sort": {"field": "order", "op": "min"},
                 "axis": {"labelLimit": 320}},
           "yOffset": {"field": "measure_label"},
           "x": {"field": "dims", "type": "quantitative", "title": "dimensions (of the rotary dimension d)"},
           "color": {"field": "measure_label", "type": "nominal", "title": "critical dimension",
                     "scale": {"range": ["#1f77b4", "#ff7f0e"]}},
           "tooltip": [{"field": "config_id", "title": "configuration"}, {"field": "measure_label", "title": "measure"},
                       {"field": "dims", "title": "dimensions"}, {"field": "rotary_dim", "title": "d"}]}},
        {"mark": {"type": "tick", "color": "#333", "thickness": 2, "bandSize": 16},
         "encoding": {
           "y": {"field": "config_id", "type": "nominal", "sort": {"field": "order", "op": "min"}},
           "x": {"field": "rotary_dim", "type": "quantitative"}}}
       ]}
      """.formatted(LOOKUP_CONFIG, TableDocs.ROPE_BOUNDS.name());

  static final String PROFILE = """
      {"params": [{"name": "grp", "value": null,
                   "bind": {"input": "select", "options": [], "name": "configuration group: "}}],
       "title": {"text": "Similar-token margin B(m) and out-of-distribution pairs per base",
         "subtitle": ["Men et al. (NeurIPS 2024): a base supports context L when B(m) = Σ cos(m·θ_n) ≥ 0 for all m ≤ L;",
                      "ood_pairs(m) counts pairs whose angle m·θ_n exceeds the angles seen in training (docs/theory.md §4). Pick a group below the chart."]},
       "vconcat": [
        {"width": 760, "height": 260,
         "data": {"name": "%2$s"},
         "transform": [%1$s, {"filter": "datum.series == grp && datum.position_start >= 1"}],
         "layer": [
          {"mark": {"type": "rule", "color": "#999", "strokeDash": [4, 3]}, "data": {"values": [{"zero": 0}]},
           "encoding": {"y": {"field": "zero", "type": "quantitative"}}},
          {"mark": {"type": "line", "strokeWidth": 1.2, "interpolate": "monotone"},
           "encoding": {
             "x": {"field": "position_start", "type": "quantitative", "scale": {"type": "log"},
                   "title": "relative position m (tokens, log)", "axis": {"format": "~s"}},
             "y": {"field": "margin_mean", "type": "quantitative", "title": "B(m)/(d/2), bucket mean"},
             "color": {"field": "base", "type": "ordinal", "title": "tuning base b", "scale": {"scheme": {"name": "viridis", "extent": [0, 0.85]}},
                       "legend": {"format": "~s"}},
             "tooltip": [{"field": "config_id", "title": "configuration"}, {"field": "position_start", "title": "m from", "format": ","},
                         {"field": "position_end", "title": "m to (excl.)", "format": ","},
                         {"field": "margin_mean", "format": ".4f", "title": "mean B(m)/(d/2)"},
                         {"field": "margin_min", "format": ".4f", "title": "min B(m)/(d/2)"}]}}]},
        {"width": 760, "height": 200,
         "data": {"name": "%2$s"},
         "transform": [%1$s, {"filter": "datum.series == grp && datum.position_start >= 1"}],
         "mark": {"type": "line", "strokeWidth": 1.2, "interpolate": "step-after"},
         "encoding": {
           "x": {"field": "position_start", "type": "quantitative", "scale": {"type": "log"},
                 "title": "relative position m (tokens, log)", "axis": {"format": "~s"}},
           "y": {"field": "ood_pairs_mean", "type": "quantitative", "title": "ood_pairs(m), bucket mean (pairs)"},
           "color": {"field": "base", "type": "ordinal", "title": "tuning base b", "scale": {"scheme": {"name": "viridis", "extent": [0, 0.85]}},
                     "legend": {"format": "~s"}},
           "tooltip": [{"field": "config_id", "title": "configuration"}, {"field": "position_start", "title": "m from", "format": ","},
                       {"field": "ood_pairs_mean", "format": ".2f", "title": "mean ood pairs"},
                       {"field": "ood_pairs_max", "title": "max ood pairs"}]}}
       ],
       "resolve": {"scale": {"color": "shared"}}}
      """.formatted(LOOKUP_CONFIG_BASE, TableDocs.ATTENTION_PROFILE.name());

  static final String ATTENTION_BOUNDS = """
      {"params": [{"name": "engine", "value": null}],
       "width": 760, "height": 340,
       "title": {"text": "Measured bounds vs closed forms, per base (log-log)",
         "subtitle": ["First position where the margin B(m) turns negative and where the first pair leaves its trained angles,",
                      "beside the paper's T_extra and the angle-coverage bound (small points on top). Missing points: not reached up to max_position."]},
       "data": {"name": "%2$s"},
       "transform": [%1$s, {"filter": "datum.engine == engine"},
         {"fold": ["first_negative_margin", "first_ood_position", "extrapolation_bound", "angle_coverage_bound"], "as": ["measure", "tokens"]},
         {"filter": "isValid(datum.tokens) && datum.tokens > 0"},
         {"calculate": "{'first_negative_margin': 'first m with B(m) < 0 (measured)', 'first_ood_position': 'first m with an OOD pair (measured)', 'extrapolation_bound': 'T_extra (Liu et al., closed form)', 'angle_coverage_bound': 'angle-coverage bound (closed form)'}[datum.measure]", "as": "measure_label"},
         {"calculate": "indexof(datum.measure, 'first_') == 0 ? 0 : 1", "as": "closed_form"}],
       "layer": [
        {"mark": {"type": "line", "strokeWidth": 1.2, "opacity": 0.55},
         "encoding": {
           "x": {"field": "base", "type": "quantitative", "scale": {"type": "log"}, "title": "tuning base b", "axis": {"format": "~s"}},
           "y": {"field": "tokens", "type": "quantitative", "scale": {"type": "log"}, "title": "position (tokens)", "axis": {"format": "~s"}},
           "color": {"field": "measure_label", "type": "nominal", "title": "bound"},
           "detail": {"field": "series"}}},
        {"mark": {"type": "point", "filled": true},
         "encoding": {
           "x": {"field": "base", "type": "quantitative"},
           "y": {"field": "tokens", "type": "quantitative"},
           "color": {"field": "measure_label", "type": "nominal"},
           "shape": {"field": "series", "type": "nominal", "title": "series"},
           "size": {"field": "closed_form", "type": "ordinal", "scale": {"domain": [0, 1], "range": [130, 40]}, "legend": null},
           "order": {"field": "closed_form", "type": "quantitative"},
           "tooltip": [{"field": "config_id", "title": "configuration"}, {"field": "measure_label", "title": "bound"},
                       {"field": "tokens", "format": ",.0f", "title": "tokens"}, {"field": "max_position", "format": ",", "title": "max_position"}]}}
       ]}
      """.formatted(LOOKUP_CONFIG, TableDocs.ATTENTION_BOUNDS.name());

  static final String BASE_LOWER_BOUNDS = """
      {"width": 760, "height": 380,
       "title": {"text": "Lower bound of the base vs context length (log-log)",
         "subtitle": ["Men et al. (NeurIPS 2024): smallest grid base with B(m) ≥ 0 for all m ≤ L (upward scan), and the safe bound from which",
                      "every larger grid base supports L. Lines: this run's least-squares law and Men et al.'s fitted curve 0.0424·L^1.628."]},
       "layer": [
        {"data": {"name": "base_law"},
         "transform": [{"filter": "datum.kind == 'line'"}],
         "mark": {"type": "line", "strokeWidth": 1.6},
         "encoding": {
           "x": {"field": "context", "type": "quantitative", "scale": {"type": "log"}, "title": "context length L (tokens)", "axis": {"format": "~s"}},
           "y": {"field": "base", "type": "quantitative", "scale": {"type": "log"}, "title": "RoPE base", "axis": {"format": "~s"}},
           "color": {"field": "what", "type": "nominal", "title": null},
           "strokeDash": {"field": "what", "type": "nominal", "legend": null,
             "scale": {"domain": ["fitted law (this run)", "Men et al. curve 0.0424·L^1.628"], "range": [[1, 0], [6, 4]]}},
           "detail": {"field": "group"}}},
        {"data": {"name": "base_law"},
         "transform": [{"filter": "datum.kind == 'point'"}],
         "mark": {"type": "point", "shape": "cross", "size": 110, "strokeWidth": 2},
         "encoding": {
           "x": {"field": "context", "type": "quantitative"},
           "y": {"field": "base", "type": "quantitative"},
           "color": {"field": "what", "type": "nominal"},
           "tooltip": [{"field": "what", "title": "point"}, {"field": "context", "format": ",", "title": "L"},
                       {"field": "base", "format": ",.0f", "title": "base"}]}},
        {"data": {"name": "%1$s"},
         "transform": [{"fold": ["lower_bound_base", "safe_base"], "as": ["measure", "value"]},
           {"filter": "isValid(datum.value) && datum.value > 0"},
           {"calculate": "datum.measure == 'lower_bound_base' ? 'lower bound (this run)' : 'safe bound (this run)'", "as": "what"}],
         "mark": {"type": "point", "filled": true, "size": 70},
         "encoding": {
           "x": {"field": "context", "type": "quantitative"},
           "y": {"field": "value", "type": "quantitative"},
           "color": {"field": "what", "type": "nominal"},
           "shape": {"field": "rotary_dim", "type": "nominal", "title": "rotary dim d"},
           "tooltip": [{"field": "context", "format": ",", "title": "L"}, {"field": "rotary_dim", "title": "d"},
                       {"field": "grid_per_decade", "title": "grid per decade"}, {"field": "what", "title": "bound"},
                       {"field": "value", "format": ",.1f", "title": "base"}]}}
       ],
       "resolve": {"scale": {"color": "shared"}}}
      """.formatted(TableDocs.BASE_LOWER_BOUNDS.name());

  static final String COVERAGE = """
      {"title": {"text": "Corpus coverage per configuration",
         "subtitle": ["Rows: corpus · configuration. Share of the corpus's tokens and repeats each configuration handles: within the tuning length, within the",
                      "extrapolation bound T_extra, with no out-of-distribution pair, and repeats the margin B(m) still discriminates."]},
       "data": {"name": "%2$s"},
       "transform": [%1$s,
         {"fold": ["share_tokens_within_tune_len", "share_tokens_within_extrapolation_bound", "share_tokens_without_ood_pairs",
                   "share_repeats_within_extrapolation_bound", "share_repeats_discriminated"], "as": ["measure", "share"]},
         {"calculate": "{'share_tokens_within_tune_len': 'tokens ≤ T_tune', 'share_tokens_within_extrapolation_bound': 'tokens ≤ T_extra', 'share_tokens_without_ood_pairs': 'tokens w/o OOD pairs', 'share_repeats_within_extrapolation_bound': 'repeats ≤ T_extra', 'share_repeats_discriminated': 'repeats discriminated'}[datum.measure]", "as": "measure_label"},
         {"calculate": "datum.corpus + ' · ' + datum.config_id", "as": "row_label"}],
       "width": {"step": 120}, "height": {"step": 18},
       "encoding": {
         "x": {"field": "measure_label", "type": "nominal", "title": null, "sort": null, "axis": {"orient": "top", "labelAngle": 0, "labelLimit": 130}},
         "y": {"field": "row_label", "type": "nominal", "title": null, "sort": {"field": "order", "op": "min"}, "axis": {"labelLimit": 360}}},
       "layer": [
        {"mark": {"type": "rect"},
         "encoding": {
           "color": {"field": "share", "type": "quantitative", "title": "share", "scale": {"scheme": "blues", "domain": [0, 1]},
                     "legend": {"format": ".0%%"}},
           "tooltip": [{"field": "corpus"}, {"field": "config_id", "title": "configuration"}, {"field": "measure_label", "title": "measure"},
                       {"field": "share", "format": ".2%%"}, {"field": "documents", "format": ","}, {"field": "tokens", "format": ","}]}},
        {"mark": {"type": "text", "fontSize": 10},
         "encoding": {
           "text": {"field": "share", "type": "quantitative", "format": ".0%%"},
           "color": {"condition": {"test": "datum.share > 0.6", "value": "white"}, "value": "#222"}}}
       ]}
      """.formatted(LOOKUP_CONFIG, TableDocs.CORPUS_COVERAGE.name());

  static final String HISTOGRAM = """
      {"width": 760, "height": 240,
       "title": {"text": "Document length histogram", "subtitle": "Documents per token-length bucket [start, end) of each corpus."},
       "data": {"name": "%1$s"},
       "transform": [{"calculate": "format(datum.bucket_start, ',') + '–' + format(datum.bucket_end, ',')", "as": "bucket_label"}],
       "mark": {"type": "bar"},
       "encoding": {
         "x": {"field": "bucket_label", "type": "ordinal", "title": "document length (tokens)", "sort": {"field": "bucket_start", "op": "min"},
               "axis": {"labelAngle": -40}},
         "y": {"field": "documents", "type": "quantitative", "title": "documents", "axis": {"tickMinStep": 1, "format": "d"}},
         "color": {"field": "corpus", "type": "nominal", "title": "corpus"},
         "xOffset": {"field": "corpus"},
         "tooltip": [{"field": "corpus"}, {"field": "bucket_start", "format": ",", "title": "from (tokens)"},
                     {"field": "bucket_end", "format": ",", "title": "to (tokens, excl.)"},
                     {"field": "documents", "format": ","}, {"field": "tokens", "format": ","}]}}
      """.formatted(TableDocs.DOCUMENT_LENGTH_HISTOGRAM.name());

  static final String MODEL_EXCESS = """
      {"width": 760, "height": 340,
       "title": {"text": "Excess loss of a real model vs position, per RoPE variant",
         "subtitle": ["excess(t) = nll(t) under the variant - nll(t) of the native model's sliding window (T_train tokens, stride T_train/2);",
                      "bands: 95% interval over documents. Dashed rules: predicted T_extra (Liu et al.); solid rules: where the loss broke (measured)."]},
       "layer": [
        {"data": {"name": "model_position_profile"},
         "transform": [{"filter": "datum.position_start >= 1 && isValid(datum.excess_lower)"}],
         "mark": {"type": "area", "opacity": 0.15},
         "encoding": {
           "x": {"field": "position_start", "type": "quantitative", "scale": {"type": "log"},
                 "title": "token position t (log)", "axis": {"format": "~s"}},
           "y": {"field": "excess_lower", "type": "quantitative"},
           "y2": {"field": "excess_upper"},
           "color": {"field": "variant", "type": "nominal"}}},
        {"data": {"name": "model_position_profile"},
         "transform": [{"filter": "datum.position_start >= 1"}],
         "mark": {"type": "line", "strokeWidth": 1.4},
         "encoding": {
           "x": {"field": "position_start", "type": "quantitative", "scale": {"type": "log"}},
           "y": {"field": "excess_mean", "type": "quantitative", "title": "mean excess loss (nats)"},
           "color": {"field": "variant", "type": "nominal", "title": "variant"},
           "tooltip": [{"field": "variant"}, {"field": "position_start", "title": "t from", "format": ","},
                       {"field": "position_end", "title": "t to (excl.)", "format": ","},
                       {"field": "excess_mean", "format": ".3f", "title": "mean excess (nats)"},
                       {"field": "nll_mean", "format": ".3f", "title": "mean nll (nats)"}]}},
        {"data": {"name": "model_measured_bounds"},
         "transform": [{"fold": ["extrapolation_bound", "measured_bound"], "as": ["bound", "tokens"]},
                       {"filter": "isValid(datum.tokens) && datum.tokens >= 1 && datum.tokens <= datum.evaluated_length * 1.5"}],
         "mark": {"type": "rule", "strokeWidth": 1.3},
         "encoding": {
           "x": {"field": "tokens", "type": "quantitative"},
           "color": {"field": "variant", "type": "nominal"},
           "strokeDash": {"field": "bound", "type": "nominal", "title": "bound",
                          "scale": {"domain": ["extrapolation_bound", "measured_bound"], "range": [[5, 3], [1, 0]]}},
           "tooltip": [{"field": "variant"}, {"field": "bound"}, {"field": "tokens", "format": ",.0f"}]}},
        {"data": {"name": "model_measured_bounds"},
         "mark": {"type": "rule", "color": "#555", "strokeDash": [2, 2]},
         "encoding": {"y": {"aggregate": "max", "field": "excess_threshold", "type": "quantitative"}}}
       ],
       "resolve": {"scale": {"color": "shared"}}}
      """;

  static final String MODEL_LOGITS = """
      {"title": {"text": "Expected attention logit L_b(m) of the real model beside Men et al.'s B(m), per base",
         "subtitle": ["Left: L_b(m) = (1/sqrt(d)) Σ_i Re(C_i(m) e^{i m θ_i(b)}) from the native pass's pre-RoPE q/k correlation (first recorded layer,",
                      "mean over heads; exact at layer 0, a first-order view deeper in). Right: B(m)/(d/2) = Σ cos(m θ_i)/(d/2), the same with q = k."]},
       "hconcat": [
        {"width": 370, "height": 300, "data": {"name": "model_logit_profile"},
         "mark": {"type": "line", "strokeWidth": 1.1},
         "encoding": {
           "x": {"field": "position_start", "type": "quantitative", "scale": {"type": "log"}, "title": "distance m (log)", "axis": {"format": "~s"}},
           "y": {"field": "logit", "type": "quantitative", "title": "L_b(m) (logit units)"},
           "color": {"field": "base", "type": "quantitative", "scale": {"type": "log", "scheme": "viridis"}, "title": "base b", "legend": {"format": "~s"}},
           "detail": {"field": "base"},
           "tooltip": [{"field": "base", "format": "~s"}, {"field": "position_start", "title": "m", "format": ","},
                       {"field": "logit", "format": ".4f"}]}},
        {"width": 370, "height": 300, "data": {"name": "model_margin"},
         "mark": {"type": "line", "strokeWidth": 1.1},
         "encoding": {
           "x": {"field": "position_start", "type": "quantitative", "scale": {"type": "log"}, "title": "distance m (log)", "axis": {"format": "~s"}},
           "y": {"field": "margin", "type": "quantitative", "title": "B(m)/(d/2)"},
           "color": {"field": "base", "type": "quantitative", "scale": {"type": "log", "scheme": "viridis"}, "title": "base b", "legend": {"format": "~s"}},
           "detail": {"field": "base"},
           "tooltip": [{"field": "base", "format": "~s"}, {"field": "position_start", "title": "m", "format": ","},
                       {"field": "margin", "format": ".4f"}]}}
       ]}
      """;

  static ObjectNode parse(String spec) {
    try {
      ObjectNode n = (ObjectNode) Html.JSON.readTree(spec);
      n.set("config", Html.JSON.readTree(CONFIG));
      return n;
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("bad built-in chart spec: " + e.getMessage(), e);
    }
  }

  /** Sets the options and initial value of a bound select parameter. */
  static ObjectNode withSelect(ObjectNode spec, String param, java.util.List<String> options) {
    for (var p : spec.withArray("params")) {
      if (param.equals(p.path("name").asText())) {
        ObjectNode o = (ObjectNode) p;
        o.put("value", options.get(0));
        ArrayNode a = ((ObjectNode) o.get("bind")).putArray("options");
        options.forEach(a::add);
      }
    }
    return spec;
  }

  /** Sets a parameter's value. */
  static ObjectNode withValue(ObjectNode spec, String param, String value) {
    for (var p : spec.withArray("params")) {
      if (param.equals(p.path("name").asText())) {
        ((ObjectNode) p).put("value", value);
      }
    }
    return spec;
  }
}
