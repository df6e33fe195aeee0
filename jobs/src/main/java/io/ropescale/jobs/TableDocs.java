package io.ropescale.jobs;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.Metadata;
import org.apache.spark.sql.types.MetadataBuilder;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * The table registry: the one definition of every output table. Each {@link TableDef} constant
 * below holds the table's name, meaning, partitioning and columns (name, Spark SQL type, unit,
 * meaning with the paper equation behind it). Everything else derives from it: the schema
 * ({@link TableDef#schema()}, column comments included), the Delta column comments and partition
 * columns of every write ({@link DeltaTables.Write}), the rows built by name on the driver
 * ({@link TableDef#rows()}), docs/tables.md ({@code ropescale table-docs}), the tables
 * {@code register-tables} registers, and every table name the jobs, the CLI and the report use.
 * Adding a table is one constant here; a column without a description fails the write.
 */
public final class TableDocs {

  /**
   * One column: its Spark SQL type ({@code DataType.simpleString()}: string, int, bigint, double,
   * boolean, timestamp, map&lt;string,bigint&gt;, ...), unit (empty when dimensionless), meaning.
   */
  public record ColumnDef(String name, String type, String unit, String meaning) {
    public DataType dataType() {
      return DataType.fromDDL(type);
    }

    /** The Delta / metastore column comment: meaning, then the unit in brackets. */
    public String comment() {
      return meaning + (unit.isEmpty() ? "" : " [" + unit + "]");
    }

    StructField field() {
      Metadata md = new MetadataBuilder().putString("comment", comment()).build();
      return new StructField(name, dataType(), true, md);
    }
  }

  /** One table: its name, meaning, the columns it is partitioned by (in order), and its columns. */
  public record TableDef(String name, String meaning, List<String> partitionedBy, List<ColumnDef> columns) {
    public ColumnDef column(String column) {
      return columns.stream().filter(c -> c.name().equals(column)).findFirst()
          .orElseThrow(() -> new IllegalStateException("table " + name + " has no documented column " + column));
    }

    /** Every column, in documented order, with its comment in the field metadata. */
    public StructType schema() {
      return new StructType(columns.stream().map(ColumnDef::field).toArray(StructField[]::new));
    }

    /**
     * Rows of the columns a job computes on the driver: all but {@code run_id} ({@link #stamp})
     * and {@code computed_at} (the job's {@code current_timestamp()}).
     */
    public TypedRows rows() {
      return rowsOf(columns.stream().map(ColumnDef::name)
          .filter(c -> !c.equals(RUN_ID.name()) && !c.equals(COMPUTED_AT.name())).toArray(String[]::new));
    }

    /** Rows of some of the table's columns (e.g. a job's input rows), in the given order, typed as registered. */
    public TypedRows rowsOf(String... names) {
      return TypedRows.of(new StructType(java.util.Arrays.stream(names).map(n -> column(n).field())
          .toArray(StructField[]::new)));
    }

    /** The rows of one run: adds its {@code run_id} (every table's first column and partition). */
    public Dataset<Row> stamp(Dataset<Row> rows, String runId) {
      return rows.withColumn(RUN_ID.name(), org.apache.spark.sql.functions.lit(runId));
    }

    @Override
    public String toString() {
      return name;
    }
  }

  /** Tables with one row per configuration: dashboards filter by run, then by model. */
  static final List<String> BY_RUN_AND_MODEL = List.of("run_id", "model");
  /** Tables without a model column, or small per run: run only. */
  static final List<String> BY_RUN = List.of("run_id");

  private static final Map<String, TableDef> TABLES = new LinkedHashMap<>();

  private static final ColumnDef RUN_ID = c("run_id", "string", "", "Run identifier; a rerun of the same run_id replaces its rows");
  private static final ColumnDef MODEL = c("model", "string", "", "Model name (datasets/models.csv, config.json name or spec label)");
  private static final ColumnDef CONFIG_ID = c("config_id", "string", "",
      "Stable configuration key model/rope_type[xfactor]/T<tune_len>/b<base>; joins every per-configuration table");
  private static final ColumnDef COMPUTED_AT = c("computed_at", "timestamp", "UTC timestamp", "When the row was computed");

  public static final TableDef ROPE_BOUNDS = table("rope_bounds", BY_RUN_AND_MODEL,
        "Closed-form scaling laws of RoPE-based extrapolation (Liu et al., ICLR 2024), one row per configuration",
        RUN_ID, MODEL, CONFIG_ID,
        c("head_dim", "int", "dims", "Attention head dimension"),
        c("rotary_dim", "int", "dims", "Rotary dimension d = head_dim * partial_rotary_factor; every formula uses it"),
        c("train_len", "bigint", "tokens", "Pre-training context T_train"),
        c("pretrain_base", "double", "", "Pre-training RoPE base b_pre"),
        c("tune_len", "bigint", "tokens", "Tuning context T_tune (>= T_train)"),
        c("base", "double", "", "Tuning RoPE base b as configured"),
        c("rope_type", "string", "", "Scaling method (Hugging Face rope_type): default, linear, ntk, dynamic, yarn, llama3, longrope"),
        c("rope_factor", "double", "", "Scaling factor of the method (null for default)"),
        c("effective_base", "double", "", "Base the paper's formulas read: the NTK-scaled base for ntk/dynamic, else base"),
        c("critical_dim", "int", "dims", "Critical dimension d_extra = 2*ceil((d/2) log_{b_pre}(T_train/2pi)), Lemma 1"),
        c("critical_base", "double", "", "Critical base b_0 = b_pre^(log_{T_train/2pi}(T_tune/2pi)), Theorem 3"),
        c("regime", "string", "", "larger-base when effective_base > b_0, else smaller-base"),
        c("extrapolation_bound", "double", "tokens", "T_extra = 2pi * b^(d_extra/d) (larger-base, Theorem 2), else T_tune"),
        c("critical_dim_tuned", "int", "dims",
            "Critical dimension in force after tuning: d_extra when effective_base > b_0 (Theorem 2), else"
                + " d'_extra = critical_dim_tuned_formula (docs/theory.md section 2)"),
        c("critical_dim_tuned_formula", "int", "dims",
            "2*ceil((d/2) log_b(T_tune/2pi)) clamped to [0, d], whatever the regime (the paper's section 3.3 formula;"
                + " in force only when b <= b_0)"),
        c("beta_quarter", "double", "", "b_1 = 2 T_tune/pi: the last pair sees a quarter period"),
        c("beta_half", "double", "", "b_2 = T_tune/pi: half a period"),
        c("beta_full", "double", "", "b_3 = T_tune/2pi: a full period; extrapolation unbounded in theory"),
        c("unbounded", "boolean", "", "effective_base <= b_3"),
        c("angle_coverage_bound", "double", "tokens",
            "min over non-full pairs of A_n/theta_n, A_n = max(T_train theta_pre_n, T_tune theta_n) (docs/theory.md s.4); null when unbounded"),
        COMPUTED_AT);
  public static final TableDef ATTENTION_PROFILE = table("attention_profile", BY_RUN_AND_MODEL,
        "Per-position attention statistics of each configuration, condensed into buckets: exact positions below 2048,"
            + " then 512 equal buckets per octave (io.ropescale.attention.PositionBuckets)",
        RUN_ID, MODEL, CONFIG_ID,
        c("engine", "string", "", "jvm (hand kernel) or sql (built-in expressions, GPU-placeable); both give the same numbers"),
        c("bucket", "int", "", "Bucket id; position m < 2048 is bucket m"),
        c("position_start", "bigint", "tokens", "First relative position m of the bucket"),
        c("position_end", "bigint", "tokens", "One past the bucket's last position"),
        c("positions", "bigint", "", "Positions of the bucket that were evaluated (<= position_end - position_start)"),
        c("margin_min", "double", "", "Min over the bucket of B(m)/(d/2), B(m) = sum_n cos(m theta_n): similar-token margin (Men et al. 2024)"),
        c("margin_max", "double", "", "Max of B(m)/(d/2)"),
        c("margin_mean", "double", "", "Mean of B(m)/(d/2)"),
        c("decay_min", "double", "", "Min of the RoFormer long-term decay bound (2/d) sum_j |S_j|, S_j = sum_{k<j} e^{i m theta_k}"),
        c("decay_max", "double", "", "Max of the RoFormer decay bound"),
        c("decay_mean", "double", "", "Mean of the RoFormer decay bound"),
        c("ood_pairs_min", "int", "pairs", "Min of ood_pairs(m): non-full pairs with m theta_n > A_n (docs/theory.md s.4)"),
        c("ood_pairs_max", "int", "pairs", "Max of ood_pairs(m)"),
        c("ood_pairs_mean", "double", "pairs", "Mean of ood_pairs(m)"),
        COMPUTED_AT);
  public static final TableDef ATTENTION_BOUNDS = table("attention_bounds", BY_RUN_AND_MODEL,
        "Per configuration, at full resolution: where the similar-token margin first turns negative and where the first"
            + " pair leaves its trained angles, beside the closed-form bounds",
        RUN_ID, MODEL, CONFIG_ID,
        c("engine", "string", "", "jvm or sql"),
        c("rotary_dim", "int", "dims", "Rotary dimension d"),
        c("tune_len", "bigint", "tokens", "Tuning context T_tune"),
        c("base", "double", "", "Tuning base b"),
        c("rope_type", "string", "", "Scaling method"),
        c("max_position", "bigint", "tokens", "Last relative position evaluated (positions 0..max_position)"),
        c("first_negative_margin", "bigint", "tokens", "Smallest m with B(m) < 0 (Men et al. 2024); null if none up to max_position"),
        c("first_ood_position", "bigint", "tokens", "Smallest m with ood_pairs(m) > 0; null if none up to max_position"),
        c("extrapolation_bound", "double", "tokens", "The paper's T_extra (Liu et al. 2024, Theorems 2-3)"),
        c("angle_coverage_bound", "double", "tokens", "min A_n/theta_n over non-full pairs; null when every pair is full"),
        COMPUTED_AT);
  public static final TableDef BASE_LOWER_BOUNDS = table("base_lower_bounds", BY_RUN,
        "Men et al. (NeurIPS 2024) lower bound of the RoPE base for a context: smallest base on the grid 10^(k/G)"
            + " with B(m) >= 0 for all m in [0, L], found by an upward scan (the supporting set is not an interval)",
        RUN_ID,
        c("context", "bigint", "tokens", "Context length L"),
        c("rotary_dim", "int", "dims", "Rotary dimension d"),
        c("grid_per_decade", "int", "", "G, grid points per decade"),
        c("k", "bigint", "", "Grid index of the lower bound; null when no grid base up to max_base supports L"),
        c("lower_bound_base", "double", "", "10^(k/G): the smallest supporting grid base"),
        c("k_safe", "bigint", "", "Grid index from which every larger grid base up to max_base supports L"),
        c("safe_base", "double", "", "10^(k_safe/G)"),
        c("max_base", "double", "", "Largest base scanned"),
        COMPUTED_AT);
  public static final TableDef SCALING_FITS = table("scaling_fits", BY_RUN,
        "Least-squares fits (Spark MLlib) of the scaling laws on this run's tables",
        RUN_ID,
        c("fit", "string", "", "base_lower_bound_vs_context: log10 base vs log10 L (Men et al.: base = 0.0424 L^1.628);"
            + " extrapolation_bound_vs_base: log10 T_extra vs log10 b, larger-base rows (slope = d_extra/d)"),
        c("group_key", "string", "", "What the fit is over (rotary_dim=..., or model/tune_len)"),
        c("slope", "double", "", "Fitted slope"),
        c("intercept", "double", "", "Fitted intercept (log10 units)"),
        c("r2", "double", "", "Coefficient of determination"),
        c("rows", "bigint", "", "Points fitted"),
        c("reference_slope", "double", "", "The published or closed-form slope to compare with (1.628, or d_extra/d)"),
        c("reference_intercept", "double", "", "The published intercept (log10 0.0424) or closed form (log10 2pi)"),
        COMPUTED_AT);
  private static final ColumnDef CORPUS = c("corpus", "string", "", "Corpus name (spec corpus.name)");
  private static final ColumnDef DOC_ID = c("doc_id", "string", "", "Stable document id: first 128 bits (hex) of the SHA-256 of the document's UTF-8 bytes");
  private static final ColumnDef PATH = c("path", "string", "", "Source: file path or URI, archive.zip!/entry, file.jsonl#L<line>, or the Parquet file / Delta table");
  private static final ColumnDef CORPUS_ENGINE = c("engine", "string", "", "jvm (streaming per-document kernel) or sql (built-in expressions, GPU-placeable); both give the same numbers");
  public static final TableDef DOCUMENTS = table("documents", BY_RUN,
        "Documents of a corpus that were read and tokenized (corpus-coverage stage); unreadable ones are in quarantine",
        RUN_ID, CORPUS, DOC_ID, PATH,
        c("characters", "bigint", "code points", "Length of the document's text in Unicode code points"),
        c("tokens", "bigint", "tokens", "n: BPE tokens of the whole document (special-token text encoded as ordinary text)"),
        c("tokenizer", "string", "", "cl100k_base or o200k_base (jtokkit), or hf:<file> (Hugging Face tokenizer.json via DJL)"),
        COMPUTED_AT);
  public static final TableDef DOCUMENT_COVERAGE = table("document_coverage", BY_RUN_AND_MODEL,
        "Per document and configuration: how much of the document lies within each bound. Token at position t"
            + " (0-based = its distance to the first token) is beyond a bound T when t >= ceil(T); a repeat at distance"
            + " r is beyond T when r >= ceil(T)",
        RUN_ID, CORPUS, DOC_ID, PATH, MODEL, CONFIG_ID, CORPUS_ENGINE,
        c("tokens", "bigint", "tokens", "n, tokens of the document"),
        c("tokens_beyond_tune_len", "bigint", "tokens", "#{t : t >= T_tune} = max(0, n - T_tune)"),
        c("tokens_beyond_extrapolation_bound", "bigint", "tokens",
            "#{t : t >= ceil(T_extra)} = max(0, n - ceil(T_extra)), T_extra of Liu et al. 2024 (Theorems 2-3)"),
        c("tokens_with_ood_pairs", "bigint", "tokens", "#{t : ood_pairs(t) > 0}, ood_pairs(t) = #{non-full n : t theta_n > A_n} (docs/theory.md s.4)"),
        c("repeats", "bigint", "tokens", "Tokens with an earlier occurrence of the same token id: r(t) = t - (last t' < t with x[t'] = x[t])"),
        c("repeats_beyond_extrapolation_bound", "bigint", "tokens", "#{t : r(t) >= ceil(T_extra)}"),
        c("undiscriminated_repeats", "bigint", "tokens",
            "#{t : B(r(t)) < 0}, B(m) = sum_n cos(m theta_n): similar-token margin (Men et al. 2024) is negative"),
        c("ngram_repeats", "bigint", "tokens", "Tokens t >= 3 whose 4-gram x[t-3..t] occurred earlier; distance r4(t) to its previous end"),
        c("undiscriminated_ngram_repeats", "bigint", "tokens", "#{t : B(r4(t)) < 0}"),
        c("repeat_distance_p50", "bigint", "tokens", "Nearest-rank median of r(t): the ceil(k/2)-th smallest of the k repeat distances; null without repeats"),
        c("repeat_distance_p90", "bigint", "tokens", "Nearest-rank 90th percentile of r(t): the ceil(0.9 k)-th smallest"),
        c("repeat_distance_p99", "bigint", "tokens", "Nearest-rank 99th percentile of r(t): the ceil(0.99 k)-th smallest"),
        c("repeat_distance_max", "bigint", "tokens", "Largest r(t)"),
        COMPUTED_AT);
  public static final TableDef CORPUS_COVERAGE = table("corpus_coverage", BY_RUN_AND_MODEL,
        "Per corpus and configuration: share of the corpus's tokens and repeats within each bound (sums over documents)",
        RUN_ID, CORPUS, MODEL, CONFIG_ID, CORPUS_ENGINE,
        c("documents", "bigint", "", "Documents read (quarantined ones excluded)"),
        c("tokens", "bigint", "tokens", "Sum of n over documents"),
        c("share_tokens_within_tune_len", "double", "", "1 - sum tokens_beyond_tune_len / sum tokens"),
        c("share_tokens_within_extrapolation_bound", "double", "", "1 - sum tokens_beyond_extrapolation_bound / sum tokens"),
        c("share_tokens_without_ood_pairs", "double", "", "1 - sum tokens_with_ood_pairs / sum tokens"),
        c("share_repeats_within_extrapolation_bound", "double", "", "1 - sum repeats_beyond_extrapolation_bound / sum repeats; null without repeats"),
        c("share_repeats_discriminated", "double", "", "1 - sum undiscriminated_repeats / sum repeats: repeats with B(r) >= 0; null without repeats"),
        c("repeats", "bigint", "tokens", "Sum of repeats"),
        c("ngram_repeats", "bigint", "tokens", "Sum of ngram_repeats"),
        c("share_ngram_repeats_discriminated", "double", "", "1 - sum undiscriminated_ngram_repeats / sum ngram_repeats"),
        COMPUTED_AT);
  public static final TableDef DOCUMENT_LENGTH_HISTOGRAM = table("document_length_histogram", BY_RUN,
        "Document lengths of a corpus in log-spaced (power-of-two) buckets of tokens",
        RUN_ID, CORPUS,
        c("bucket_start", "bigint", "tokens", "2^k: first length of the bucket"),
        c("bucket_end", "bigint", "tokens", "2^(k+1): one past the bucket's last length"),
        c("documents", "bigint", "", "Documents with bucket_start <= n < bucket_end"),
        c("tokens", "bigint", "tokens", "Their tokens"),
        COMPUTED_AT);
  public static final TableDef QUARANTINE = table("quarantine", BY_RUN,
        "Inputs of a corpus that were not read: invalid UTF-8, binary (NUL bytes), empty or whitespace-only, unreadable"
            + " files or archives, JSON lines without the text field",
        RUN_ID, CORPUS, PATH,
        c("reason", "string", "", "Why the input was set aside"),
        COMPUTED_AT);
  public static final TableDef TOKEN_STATS = table("token_stats", BY_RUN_AND_MODEL,
        "One row per token and configuration for a sample of documents (--token-detail-sample, by a hash of the path)",
        RUN_ID, CORPUS, DOC_ID, MODEL, CONFIG_ID,
        c("position", "bigint", "tokens", "t, 0-based position in the document"),
        c("token_id", "int", "", "BPE token id x[t]"),
        c("repeat_distance", "bigint", "tokens", "r(t) = t - (last t' < t with x[t'] = x[t]); null for a first occurrence"),
        c("ngram_repeat_distance", "bigint", "tokens", "r4(t): distance to the previous end of the same 4-gram x[t-3..t]; null if none"),
        c("margin_at_repeat", "double", "", "B(r(t))/(d/2), B(m) = sum_n cos(m theta_n) (Men et al. 2024); null without repeat"),
        c("undiscriminated", "boolean", "", "B(r(t)) < 0; null without repeat"),
        c("beyond_extrapolation_bound", "boolean", "", "t >= ceil(T_extra)"),
        c("ood_pairs", "int", "pairs", "ood_pairs(t) = #{non-full n : t theta_n > A_n} (docs/theory.md s.4)"),
        COMPUTED_AT);
  // model-attention stage (docs/model-attention.md): a real model's loss and attention under RoPE variants
  private static final ColumnDef VARIANT = c("variant", "string", "",
        "RoPE variant applied at inference: native, b<base>, <type>-x<factor>[-b<base>] (spec model_attention.variants)");
  public static final TableDef MODEL_TOKEN_STATS = table("model_token_stats", BY_RUN_AND_MODEL,
        "One row per token x variant of the model-attention stage, for a sample of documents (token_detail_sample, by a"
            + " hash of the document key)",
        RUN_ID, MODEL, VARIANT,
        c("document", "string", "", "Document key: path, path!/zip entry or path#L<line>"),
        c("position", "bigint", "tokens", "t, 0-based position in the document (truncated to max_tokens)"),
        c("token_id", "int", "", "Token id x_t of the model's own tokenizer"),
        c("nll", "double", "nats", "nll(t) = -ln p(x_t | x_<t) under the variant; null at t = 0"),
        c("control_nll", "double", "nats",
            "Native model's loss from the sliding window (T_train tokens, stride T_train/2) where t has the most context"),
        c("excess", "double", "nats", "excess(t) = nll(t) - control_nll(t)"),
        c("layers", "array<int>", "", "Recorded layers (0-based), aligned with entropy and far_mass"),
        c("entropy", "array<double>", "nats",
            "Per recorded layer: mean over query heads of -sum_j a_tj ln a_tj over the causal softmax row (keys 0..t)"),
        c("far_mass", "array<double>", "",
            "Per recorded layer: mean over query heads of sum_{j: t-j > D} a_tj, D = far_distance"),
        COMPUTED_AT);
  public static final TableDef MODEL_POSITION_PROFILE = table("model_position_profile", BY_RUN_AND_MODEL,
        "Per variant x recorded layer x position bucket (the attention_profile buckets, PositionBuckets) of the token"
            + " position t: means over documents (each document's bucket mean weighs the same) and 95% intervals"
            + " (t quantile over documents); the loss columns are the same for every layer of a variant",
        RUN_ID, MODEL, VARIANT,
        c("layer", "int", "", "Recorded layer (0-based)"),
        c("bucket", "int", "", "Bucket id of the token position; t < 2048 is bucket t"),
        c("position_start", "bigint", "tokens", "First token position of the bucket"),
        c("position_end", "bigint", "tokens", "One past the bucket's last position"),
        c("documents", "bigint", "", "Documents reaching the bucket"),
        c("tokens", "bigint", "tokens", "Token positions of the bucket over those documents"),
        c("nll_mean", "double", "nats", "Mean nll(t); null for bucket 0 (no loss at t = 0)"),
        c("control_nll_mean", "double", "nats", "Mean control nll(t) (native sliding window)"),
        c("excess_mean", "double", "nats", "Mean excess(t) = nll - control"),
        c("excess_lower", "double", "nats", "95% interval over documents, lower end (null with one document)"),
        c("excess_upper", "double", "nats", "95% interval over documents, upper end"),
        c("entropy_mean", "double", "nats", "Mean attention entropy of the layer (mean over query heads)"),
        c("entropy_lower", "double", "nats", "95% interval, lower end"),
        c("entropy_upper", "double", "nats", "95% interval, upper end"),
        c("far_mass_mean", "double", "", "Mean attention mass on keys farther than far_distance"),
        c("far_mass_lower", "double", "", "95% interval, lower end"),
        c("far_mass_upper", "double", "", "95% interval, upper end"),
        COMPUTED_AT);
  public static final TableDef MODEL_MEASURED_BOUNDS = table("model_measured_bounds", BY_RUN_AND_MODEL,
        "Per variant: where the real model's loss breaks (the first position from which the mean excess, smoothed over"
            + " `smoothing` tokens, stays above excess_threshold to the end of the evaluated length) beside the scaling"
            + " laws' predictions for the same frequencies (no fine-tuning: T_tune = T_train)",
        RUN_ID, MODEL, VARIANT,
        c("rope_type", "string", "", "Scaling method of the variant (default for a base change)"),
        c("rope_factor", "double", "", "Its factor; null for a base change"),
        c("base", "double", "", "RoPE base the variant uses (the model's own when only a method is given)"),
        c("effective_base", "double", "", "Base the paper's formulas read: NTK-scaled for ntk, else base"),
        c("train_len", "bigint", "tokens", "T_train: llama.context_length of the GGUF"),
        c("documents", "bigint", "", "Documents evaluated"),
        c("evaluated_length", "bigint", "tokens", "Positions evaluated (the longest document)"),
        c("excess_threshold", "double", "nats", "Threshold on the mean excess (default 0.25)"),
        c("smoothing", "int", "tokens", "Width of the centred moving mean applied to each document's excess"),
        c("broke", "boolean", "", "Whether the loss broke within the evaluated length"),
        c("measured_bound", "bigint", "tokens", "First position of the sustained break on the mean; null if none"),
        c("measured_lower", "bigint", "tokens", "The same on the upper edge of the 95% band (earliest plausible break)"),
        c("measured_upper", "bigint", "tokens",
            "The same on the lower edge of the band (the break is established from here); null if not established"),
        c("extrapolation_bound", "double", "tokens", "Predicted T_extra = 2pi b^(d_extra/d) (Liu et al. Theorem 2), else T_tune"),
        c("critical_dim", "int", "dims", "d_extra = 2 ceil((d/2) log_b_pre(T_train/2pi))"),
        c("angle_coverage_bound", "double", "tokens", "min over non-full pairs of A_n/theta_n; null when unbounded"),
        c("first_negative_margin", "bigint", "tokens", "First m with B(m) = sum_n cos(m theta_n) < 0 (Men et al.); null below 2^24"),
        c("measured_over_extrapolation_bound", "double", "", "measured_bound / extrapolation_bound"),
        c("measured_over_coverage_bound", "double", "", "measured_bound / angle_coverage_bound"),
        COMPUTED_AT);
  public static final TableDef MODEL_QK_CORRELATION = table("model_qk_correlation", BY_RUN_AND_MODEL,
        "Pre-RoPE query/key correlation from the native passes, per recorded layer x query head x rotary pair x distance"
            + " bucket (the attention_profile buckets): C_i(m) = mean_t q_t^(i) conj(k_{t-m}^(i)), pair i = dims (2i, 2i+1)"
            + " of the GGUF rows as a complex number; exact input of L_b(m) at layer 0 (pre-RoPE q/k do not depend on the"
            + " base), a first-order view deeper in",
        RUN_ID, MODEL,
        c("layer", "int", "", "Recorded layer (0-based)"),
        c("head", "int", "", "Query head h (its key head is h / (heads / kv_heads))"),
        c("pair", "int", "", "Rotary pair i, frequency theta_i = b^(-2i/d)"),
        c("bucket", "int", "", "Bucket id of the distance m"),
        c("position_start", "bigint", "tokens", "First distance m of the bucket: the m at which L_b(m) is evaluated"),
        c("position_end", "bigint", "tokens", "One past the bucket's last distance"),
        c("documents", "bigint", "", "Documents whose native pass contributed"),
        c("pairs", "bigint", "", "(t, t-m) pairs averaged: sum over documents and m in the bucket of (n - m)"),
        c("c_re", "double", "", "Re C_i(m)"),
        c("c_im", "double", "", "Im C_i(m)"),
        c("head_dim", "int", "dims", "d, the head dimension"),
        COMPUTED_AT);
  public static final TableDef MODEL_LOGIT_PROFILE = table("model_logit_profile", BY_RUN_AND_MODEL,
        "Expected attention logit L_b(m) = (1/sqrt(d)) sum_i Re(C_i(m) e^{i m theta_i(b)}) per base x recorded layer x query"
            + " head x distance bucket, from model_qk_correlation for every base of the sweep, computed with built-in SQL"
            + " expressions (RAPIDS-placeable); exact at layer 0, a first-order view deeper in",
        RUN_ID, MODEL,
        c("base", "double", "", "RoPE base b"),
        c("layer", "int", "", "Recorded layer (0-based)"),
        c("head", "int", "", "Query head"),
        c("bucket", "int", "", "Bucket id of the distance m"),
        c("position_start", "bigint", "tokens", "Distance m at which the logit is evaluated"),
        c("logit", "double", "", "L_b(m), in logit units (before softmax)"),
        COMPUTED_AT);
  public static final TableDef RUNS = table("runs", BY_RUN, "One row per successful run of a ropescale command",
        RUN_ID,
        c("command", "string", "", "The ropescale command (scaling-laws, sweep, attention-profile, ...)"),
        c("spec_name", "string", "", "Sweep spec name (null for commands without a spec)"),
        c("spec_text", "string", "", "The spec as given, verbatim"),
        c("arguments", "string", "", "Command-line arguments"),
        c("started_at", "timestamp", "UTC timestamp", "Start of the run"),
        c("ended_at", "timestamp", "UTC timestamp", "End of the run"),
        c("status", "string", "", "succeeded once every table of the job is committed; running while a job given --run-id writes (readers show only runs whose every row is succeeded; a failed job leaves no rows, docs/reliability.md)"),
        c("tables", "map<string,bigint>", "", "Tables the run wrote, with row counts"),
        c("ropescale_version", "string", "", "ropescale version"),
        c("spark_version", "string", "", "Spark version"),
        c("delta_version", "string", "", "delta-spark version"),
        c("master", "string", "", "Spark master URL"));

  private TableDocs() {}

  static ColumnDef c(String name, String type, String unit, String meaning) {
    return new ColumnDef(name, type, unit, meaning);
  }

  /** Registers a table (every table is one constant of this class, in the order docs/tables.md lists them). */
  private static synchronized TableDef table(String name, List<String> partitionedBy, String meaning, ColumnDef... columns) {
    TableDef t = new TableDef(name, meaning, List.copyOf(partitionedBy), List.of(columns));
    for (String p : partitionedBy) {
      t.column(p);
    }
    if (!columns[0].equals(RUN_ID) || TABLES.put(name, t) != null) {
      throw new IllegalStateException("table " + name + " must start with run_id and be registered once");
    }
    return t;
  }

  /** Whether a table of this name is in the registry. */
  public static synchronized boolean has(String table) {
    return TABLES.containsKey(table);
  }

  public static synchronized List<TableDef> all() {
    return new ArrayList<>(TABLES.values());
  }

  public static synchronized TableDef get(String table) {
    TableDef t = TABLES.get(table);
    if (t == null) {
      throw new IllegalStateException("table " + table + " is not in the table registry (TableDocs)");
    }
    return t;
  }

  /** Puts each column's description into its schema metadata ("comment"), in documented order. */
  static Dataset<Row> annotate(String table, Dataset<Row> rows) {
    TableDef def = get(table);
    List<String> present = List.of(rows.columns());
    List<Column> cols = new ArrayList<>();
    for (ColumnDef c : def.columns()) {
      if (!present.contains(c.name())) {
        throw new IllegalStateException("table " + table + " is missing documented column " + c.name());
      }
      String actual = rows.schema().apply(c.name()).dataType().simpleString();
      if (!actual.equals(c.type())) {
        throw new IllegalStateException("table " + table + " column " + c.name() + " is " + actual
            + " but documented as " + c.type() + " (TableDocs)");
      }
      cols.add(rows.col(c.name()).as(c.name(), c.field().metadata()));
    }
    for (String p : present) {
      if (def.columns().stream().noneMatch(c -> c.name().equals(p))) {
        throw new IllegalStateException("table " + table + " has undocumented column " + p);
      }
    }
    return rows.select(cols.toArray(new Column[0]));
  }

  private static String tablesBy(List<String> partitioning) {
    return String.join(", ", all().stream().filter(t -> t.partitionedBy().equals(partitioning))
        .map(t -> "`" + t.name() + "`").toList());
  }

  /** docs/tables.md (a test keeps the checked-in file equal to this text). */
  /**
   * What a non-Spark reader needs (checked by dashboards/tests/test_any_reader.py, which reads every
   * table of a fresh sweep with delta-rs).
   */
  static final String READER_COMPATIBILITY = """

      ## Reader compatibility

      Every table is written by delta-spark 3.3.2 with the Delta protocol's **reader version 1 and writer
      version 2**, and **no table features** (no deletion vectors, column mapping, change data feed,
      timestamp-without-timezone or v2 checkpoints). Reader version 1 is the baseline every Delta reader
      implements, so no reader needs a feature-specific upgrade; the one checked here is delta-rs
      (`deltalake` on PyPI, no JVM), the engine under Polars' and pandas' Delta readers. A table that
      gains a feature (e.g. deletion vectors, reader version 3) makes that test fail until this section
      says so.

      - Types are plain Parquet/Delta primitives (`string`, `int`, `bigint`, `double`, `boolean`,
        `timestamp` in UTC) plus one `map<string,bigint>` (`runs.tables`) and three arrays in
        `model_token_stats` (`layers` `array<int>`, `entropy` and `far_mass` `array<double>`, one entry per
        recorded layer; Arrow lists); no decimals, no nested structs.
      - Partition values (`run_id`, `model`) live in the Delta log, as the protocol prescribes; readers
        put them back as columns and prune files on filters over them.
      - Column descriptions are Delta column comments (`comment` in each field's metadata), the meaning
        above followed by the unit in brackets, e.g. `... [tokens]`.
      - Spark SQL functions (`rope_*`) and the views of `conf/sql/` need Spark: for them, connect to the
        SQL endpoint (`ropescale serve-sql`, docs/bi.md) instead of reading files.

      `dashboards/run-e2e-test.sh` reads every table with `deltalake` 1.6.6 and checks the protocol, each
      column's type and comment against this file, partition values, and row counts against `runs.tables`.
      """;

  public static String markdown() {
    StringBuilder md = new StringBuilder("# ropescale tables\n\n")
        .append("Generated by `ropescale table-docs` from the table registry, `TableDocs.java` (do not edit by hand;\n")
        .append("a test fails when this file and the code differ). The registry defines each table once: its columns,\n")
        .append("their Spark SQL types, units and meanings, and its partitioning. The same meanings are in each Delta\n")
        .append("table's column comments, and every write checks that each column has the registered type.\n\n")
        .append("Every table lives at `<warehouse>/<table>`, carries `run_id`, and a rerun of a `run_id` replaces\n")
        .append("that run's rows (`replaceWhere run_id = ...`, one Delta commit per table, all tables of a run\n")
        .append("committed or rolled back together). `ropescale register-tables` registers them as\n")
        .append("`ropescale.<table>` in a metastore, with the views of `conf/sql/`.\n\n")
        .append("## Partitioning\n\n")
        .append("Dashboards filter by run first (the latest run, or one run), then by model. Tables with one or more\n")
        .append("rows per configuration are partitioned by `(run_id, model)`, so a filter on both reads only that\n")
        .append("model's files of that run, and a rerun still replaces exactly its run (`replaceWhere run_id = ...`\n")
        .append("covers all of the run's model partitions): ").append(tablesBy(BY_RUN_AND_MODEL)).append(".\n")
        .append("Tables without a model column, and `runs`, are partitioned by `run_id` only: ")
        .append(tablesBy(BY_RUN)).append(".\n")
        .append("Every write checks that it uses its table's documented partitioning, and a table that already exists\n")
        .append("with another partitioning (written by an older build) is refused with a message, never rewritten:\n")
        .append("use a new warehouse, or rewrite that table.\n\n")
        .append("| table | partitioned by |\n| --- | --- |\n");
    for (TableDef t : all()) {
      md.append("| `").append(t.name()).append("` | ").append(String.join(", ", t.partitionedBy())).append(" |\n");
    }
    for (TableDef t : all()) {
      md.append("\n## `").append(t.name()).append("`\n\n").append(t.meaning()).append(".\n\n")
          .append("Partitioned by ").append(String.join(", ", t.partitionedBy())).append(".\n\n")
          .append("| column | type | unit | meaning |\n| --- | --- | --- | --- |\n");
      for (ColumnDef c : t.columns()) {
        md.append("| `").append(c.name()).append("` | `").append(c.type()).append("` | ").append(c.unit()).append(" | ")
            .append(c.meaning().replace("|", "\\|")).append(" |\n");
      }
    }
    md.append(READER_COMPATIBILITY);
    return md.toString();
  }
}
